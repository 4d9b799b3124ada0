import type { RouteRecordRaw } from 'vue-router'

/** Public pages, shown inside the portal layout; no login needed. */
export const portalRoutes: RouteRecordRaw[] = [
  { path: '', name: 'home', component: () => import('@/views/HomeView.vue'), meta: { title: '首页' } },
  {
    path: 'services',
    name: 'services',
    component: () => import('@/views/ComingSoonView.vue'),
    meta: { title: '网上办事' },
  },
]
