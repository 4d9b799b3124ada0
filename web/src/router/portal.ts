import type { RouteRecordRaw } from 'vue-router'

/** Public pages, shown inside the portal layout; no login needed. */
export const portalRoutes: RouteRecordRaw[] = [
  { path: '', name: 'home', component: () => import('@/views/HomeView.vue'), meta: { title: '首页' } },
]
