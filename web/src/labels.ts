import type { OrgKind, Role, UserKind } from '@/api/types'

export const ROLE_LABELS: Record<Role, string> = {
  editor: '信息员',
  reviewer: '审核员',
  secrecy_officer: '保密审查员',
  handler: '经办人',
  leader: '领导',
  admin: '系统管理员',
  security_admin: '安全管理员',
  auditor: '安全审计员',
}

export const ROLES = Object.keys(ROLE_LABELS) as Role[]

export const ORG_KIND_LABELS: Record<OrgKind, string> = {
  agency: '机关',
  department: '处室',
  centre: '直属中心',
  enterprise: '企事业单位',
}

export const USER_KIND_LABELS: Record<UserKind, string> = {
  staff: '工作人员',
  public: '公众',
}

export const SITE_NAME = '某市机关事务管理局'
export const PORTAL_NAME = '政务门户'

// Audit records name the acting capacity, which is a role or, for plain sign-ins, a user kind.
const ACTOR_LABELS: Record<string, string> = { ...ROLE_LABELS, ...USER_KIND_LABELS, system: '系统' }

export function roleLabel(role: string): string {
  return ACTOR_LABELS[role] ?? role
}
