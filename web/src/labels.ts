import { enumLabel } from '@/stores/vocabulary'

// The site's own names. Words for roles, kinds and states come from the API's vocabulary (stores/vocabulary.ts).
export const SITE_NAME = '某市机关事务管理局'
export const PORTAL_NAME = '政务门户'

/** Who an audit record or a grant names: a role, a kind of user (plain sign-ins) or the system. */
export function roleLabel(role: string): string {
  return enumLabel('actor', role)
}
