// Words shown for application states and deadline status (the API's enums, in Chinese).
export const DEADLINE_LABELS: Record<string, { text: string; type: 'success' | 'warning' | 'danger' | 'info' }> = {
  on_time: { text: '正常', type: 'success' },
  due_soon: { text: '即将到期', type: 'warning' },
  overdue: { text: '已超期', type: 'danger' },
  very_overdue: { text: '严重超期', type: 'danger' },
  paused: { text: '暂停计时（补正中）', type: 'info' },
  stopped: { text: '已停止计时', type: 'info' },
}

export const STATUS_TYPES: Record<string, 'success' | 'warning' | 'danger' | 'info' | 'primary'> = {
  submitted: 'primary',
  accepted: 'primary',
  in_progress: 'primary',
  supplement_requested: 'warning',
  completed: 'success',
  refused: 'danger',
  not_accepted: 'danger',
  withdrawn: 'info',
}

export const DECISION_LABELS: Record<string, string> = { pending: '待审批', approved: '同意', refused: '不予批准' }

export const SCORE_LABELS: Record<number, string> = { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' }

export const RATING_TAGS = ['办事高效', '服务热情', '指南清晰', '一次办成', '材料繁琐', '多次跑腿', '态度不好', '超时办理', '指南不清']

export const RECTIFICATION_TYPES: Record<string, 'success' | 'warning' | 'danger' | 'info' | 'primary'> = {
  open: 'danger',
  followed_up: 'warning',
  closed: 'success',
  cancelled: 'info',
}

export const FOLLOW_UP_METHODS: Record<string, string> = { phone: '电话回访', visit: '上门回访', online: '线上回访' }

export const APPEAL_LABELS: Record<string, { text: string; type: 'success' | 'warning' | 'danger' | 'info' }> = {
  none: { text: '未申诉', type: 'info' },
  pending: { text: '申诉中', type: 'warning' },
  upheld: { text: '申诉成立', type: 'success' },
  rejected: { text: '申诉驳回', type: 'danger' },
}
