import type { RouteRecordRaw } from 'vue-router'

/** Site management pages for the site's managers: the 38号 compliance radar, visit statistics and
 * the 关于我们/联系我们/隐私声明 pages. */
export const complianceWorkspaceRoutes: RouteRecordRaw[] = [
  {
    path: 'compliance',
    name: 'compliance',
    component: () => import('@/views/compliance/ComplianceView.vue'),
    meta: { title: '合规检查', roles: ['admin', 'leader', 'editor'] },
  },
  {
    path: 'visits',
    name: 'visit-stats',
    component: () => import('@/views/compliance/VisitStatsView.vue'),
    meta: { title: '访问统计', roles: ['admin', 'leader', 'editor'] },
  },
  {
    path: 'site-pages',
    name: 'site-pages-edit',
    component: () => import('@/views/site/SitePagesEditView.vue'),
    meta: { title: '网站信息页', roles: ['admin', 'editor'] },
  },
  {
    path: 'performance',
    name: 'performance',
    component: () => import('@/views/compliance/PerformanceView.vue'),
    meta: { title: '绩效考核', roles: ['admin', 'leader'] },
  },
]
