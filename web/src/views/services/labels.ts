// How application, deadline and appeal states are drawn (tag colours). Their words come from the API's
// vocabulary (stores/vocabulary.ts: enumLabel / label), never from here.
type TagType = 'success' | 'warning' | 'danger' | 'info' | 'primary'

export const DEADLINE_TYPES: Record<string, TagType> = {
  on_time: 'success',
  due_soon: 'warning',
  overdue: 'danger',
  very_overdue: 'danger',
  paused: 'info',
  stopped: 'info',
}

export const STATUS_TYPES: Record<string, TagType> = {
  submitted: 'primary',
  accepted: 'primary',
  in_progress: 'primary',
  supplement_requested: 'warning',
  completed: 'success',
  refused: 'danger',
  not_accepted: 'danger',
  withdrawn: 'info',
}

export const RECTIFICATION_TYPES: Record<string, TagType> = {
  open: 'danger',
  followed_up: 'warning',
  closed: 'success',
  cancelled: 'info',
}

export const APPEAL_TYPES: Record<string, TagType> = {
  none: 'info',
  pending: 'warning',
  upheld: 'success',
  rejected: 'danger',
}
