// Presentation of the complaint domain's values; their Chinese labels come from the API (stores/vocabulary).
export const STATUS_TAGS: Record<string, 'primary' | 'success' | 'info' | 'warning' | 'danger'> = {
  submitted: 'warning',
  accepted: 'primary',
  not_accepted: 'info',
  forwarded: 'primary',
  pending_review: 'warning',
  replied: 'success',
  completed: 'info',
}
export const CLOCK_LABELS: Record<string, string> = {
  on_time: '正常',
  due_soon: '即将到期',
  overdue: '已超期',
  very_overdue: '严重超期',
  paused: '暂停',
  stopped: '已停止',
}
export const CLOCK_TAGS: Record<string, 'primary' | 'success' | 'info' | 'warning' | 'danger'> = {
  on_time: 'success',
  due_soon: 'warning',
  overdue: 'danger',
  very_overdue: 'danger',
  paused: 'info',
  stopped: 'info',
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return ''
  return new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${v}%`
}
