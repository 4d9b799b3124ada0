// Convenience names for the shapes the pages use, derived from the generated contract (schema.d.ts)
// by path and method, so they survive schema renames in openapi/v1.json.
import type { paths } from './schema'

type JsonOf<R> = R extends { content: { 'application/json': infer T } } ? T : never
type Ok<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  responses: infer R
}
  ? R extends { 200: infer A }
    ? JsonOf<A>
    : R extends { 201: infer B }
      ? JsonOf<B>
      : never
  : never
type JsonBody<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  requestBody?: { content: { 'application/json': infer T } }
}
  ? T
  : never
type Query<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends {
  parameters: { query?: infer Q }
}
  ? NonNullable<Q>
  : never

export type TokenPair = Ok<'/api/v1/auth/token', 'post'>
export type Me = Ok<'/api/v1/auth/me', 'get'>
export type User = Ok<'/api/v1/admin/users/{user_id}', 'get'>
export type UserPage = Ok<'/api/v1/admin/users', 'get'>
export type UserCreate = JsonBody<'/api/v1/admin/users', 'post'>
export type UserUpdate = JsonBody<'/api/v1/admin/users/{user_id}', 'patch'>
export type UserQuery = Query<'/api/v1/admin/users', 'get'>
export type RegisterBody = JsonBody<'/api/v1/auth/register', 'post'>
export type Grant = Ok<'/api/v1/admin/role-grants', 'post'>
export type OrgUnit = Ok<'/api/v1/org-units', 'get'>[number]
export type OrgUnitCreate = JsonBody<'/api/v1/admin/org-units', 'post'>
export type OrgUnitUpdate = JsonBody<'/api/v1/admin/org-units/{unit_id}', 'patch'>
export type AuditRecord = Ok<'/api/v1/audit', 'get'>['items'][number]
export type AuditQuery = Query<'/api/v1/audit', 'get'>
export type ChainReport = Ok<'/api/v1/audit/verify', 'get'>

export type Role = Grant['role']
export type OrgKind = OrgUnit['kind']
export type UserKind = User['kind']
