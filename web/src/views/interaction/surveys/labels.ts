// Phases of surveys (民意调查) and consultations (征集意见); their labels come from the API (stores/vocabulary).

interface SurveyLike {
  status: string
  accepting: boolean
  closed: boolean
}

/** 进行中 / 未开始 / 已结束 / 草稿 / 已撤回, for tags on lists and pages. */
export function surveyPhase(s: SurveyLike): { label: string; type: 'success' | 'info' | 'warning' | 'danger' | 'primary' } {
  if (s.status === 'draft') return { label: '草稿', type: 'info' }
  if (s.status === 'cancelled') return { label: '已撤回', type: 'danger' }
  if (s.accepting) return { label: '进行中', type: 'success' }
  if (s.closed) return { label: '已结束', type: 'info' }
  return { label: '未开始', type: 'warning' }
}

export function consultationPhase(status: string, closesAt: string | null | undefined): {
  label: string
  type: 'success' | 'info' | 'warning'
} {
  if (status === 'draft') return { label: '草稿', type: 'info' }
  if (status === 'closed') return { label: '已结束', type: 'info' }
  if (closesAt && new Date(closesAt).getTime() <= Date.now()) return { label: '意见期已截止', type: 'warning' }
  return { label: '征集中', type: 'success' }
}

export function fileSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.max(1, Math.ceil(bytes / 1024))} KB`
}
