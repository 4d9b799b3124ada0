// Chinese labels for the complaint domain's enum values.
export const KIND_LABELS: Record<string, string> = {
  complaint: '投诉',
  inquiry: '咨询',
  suggestion: '建议',
  letter: '来信',
}
export const STATUS_LABELS: Record<string, string> = {
  submitted: '待受理',
  accepted: '已受理',
  not_accepted: '不予受理',
  forwarded: '已转办',
  pending_review: '待领导审核',
  replied: '已答复',
  completed: '已办结',
}
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
export const SATISFACTION_LABELS: Record<string, string> = {
  satisfied: '满意',
  basically_satisfied: '基本满意',
  dissatisfied: '不满意',
}
export const NOT_ACCEPT_REASON_LABELS: Record<string, string> = {
  spam: '垃圾信息',
  abuse: '含辱骂、攻击等不文明内容',
  not_our_business: '不属于本机关职责范围',
  duplicate: '重复来信',
  other: '其他',
}

export function fmtTime(iso: string | null | undefined): string {
  if (!iso) return ''
  return new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false })
}

export function pct(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${v}%`
}
