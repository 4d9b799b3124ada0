// Each area keeps its routes in its own file; add a domain by importing its array below.
import { createRouter, createWebHistory } from 'vue-router'
import './meta'
import { useAuthStore } from '@/stores/auth'
import { setPageMeta } from '@/utils/pageMeta'
import { NAV_ITEMS } from '@/navigation'
import PortalLayout from '@/layouts/PortalLayout.vue'
import WorkspaceLayout from '@/layouts/WorkspaceLayout.vue'
import { accountRoutes } from './account'
import { adminRoutes } from './admin'
import { auditRoutes } from './audit'
import { calendarRoutes } from './calendar'
import { complianceWorkspaceRoutes } from './compliance'
import { complaintWorkspaceRoutes, interactionRoutes, surveyWorkspaceRoutes } from './interaction'
import { disclosureRoutes, disclosureWorkspaceRoutes } from './disclosures'
import { disclosureRequestRoutes, disclosureRequestWorkspaceRoutes } from './disclosureRequests'
import { portalRoutes } from './portal'
import { searchRoutes } from './search'
import { siteRoutes } from './site'
import { servicePortalRoutes, serviceWorkspaceRoutes } from './services'
import { workspaceRoutes } from './workspace'
import { homeFor } from './home'

export { homeFor }

export const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes: [
    {
      path: '/workspace',
      component: WorkspaceLayout,
      meta: { requiresAuth: true },
      children: [
        ...workspaceRoutes,
        ...adminRoutes,
        ...auditRoutes,
        ...calendarRoutes,
        ...complaintWorkspaceRoutes,
        ...serviceWorkspaceRoutes,
        ...surveyWorkspaceRoutes,
        ...disclosureWorkspaceRoutes,
        ...complianceWorkspaceRoutes,
        ...disclosureRequestWorkspaceRoutes,
      ],
    },
    {
      path: '/',
      component: PortalLayout,
      children: [
        ...portalRoutes,
        ...interactionRoutes,
        ...disclosureRequestRoutes,
        ...disclosureRoutes,
        ...servicePortalRoutes,
        ...accountRoutes,
        ...searchRoutes,
        ...siteRoutes,
        {
          path: ':pathMatch(.*)*',
          name: 'not-found',
          component: () => import('@/views/NotFoundView.vue'),
          meta: { title: '页面不存在' },
        },
      ],
    },
  ],
  scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
})

router.beforeEach(async (to) => {
  const auth = useAuthStore()
  await auth.init()
  if (to.meta.guestOnly && auth.isLoggedIn) return homeFor(auth.user?.kind)
  if (to.matched.some((r) => r.meta.requiresAuth) && !auth.isLoggedIn) {
    return { name: 'login', query: { redirect: to.fullPath } }
  }
  // A member of the public has no staff workspace: their 个人中心 is /me.
  if (to.name === 'workspace' && auth.isLoggedIn && !auth.isStaff) return { name: 'me' }
  const roles = to.matched.flatMap((r) => r.meta.roles ?? [])
  if (roles.length && !auth.hasAnyRole(roles)) return { name: 'forbidden' }
  return true
})

// The column a page belongs to: the portal menu entry its path falls under (政务公开, 网上办事, …).
function columnOf(path: string): string | undefined {
  const entry = NAV_ITEMS.filter((n) => n.area === 'portal' && n.to !== '/' && path.startsWith(n.to))[0]
  return entry?.label
}

router.afterEach((to) => {
  setPageMeta(to.meta.title, columnOf(to.path) ?? to.meta.title)
})
