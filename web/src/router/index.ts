// Each area keeps its routes in its own file; add a domain by importing its array below.
import { createRouter, createWebHistory } from 'vue-router'
import './meta'
import { useAuthStore } from '@/stores/auth'
import { PORTAL_NAME, SITE_NAME } from '@/labels'
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
  const roles = to.matched.flatMap((r) => r.meta.roles ?? [])
  if (roles.length && !auth.hasAnyRole(roles)) return { name: 'forbidden' }
  return true
})

router.afterEach((to) => {
  const title = to.meta.title
  document.title = title ? `${title} - ${SITE_NAME}${PORTAL_NAME}` : `${SITE_NAME} ${PORTAL_NAME}`
})
