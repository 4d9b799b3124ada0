import type { Role } from '@/api/types'

declare module 'vue-router' {
  interface RouteMeta {
    /** Page title, shown in the browser tab and breadcrumbs. */
    title?: string
    /** Requires a signed-in user (inherited by child routes). */
    requiresAuth?: boolean
    /** Requires one of these roles. */
    roles?: Role[]
    /** Only for signed-out visitors (login, register). */
    guestOnly?: boolean
  }
}

export {}
