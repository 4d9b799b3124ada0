import type { RouteRecordRaw } from 'vue-router'

/** 网上办事 on the portal: the catalogue, guides, applying, and my applications. */
export const servicePortalRoutes: RouteRecordRaw[] = [
  {
    path: 'services',
    name: 'services',
    component: () => import('@/views/services/ServiceListView.vue'),
    meta: { title: '网上办事' },
  },
  {
    path: 'services/:code',
    name: 'service-guide',
    component: () => import('@/views/services/ServiceGuideView.vue'),
    meta: { title: '办事指南' },
  },
  {
    path: 'my/applications',
    name: 'my-applications',
    component: () => import('@/views/services/MyApplicationsView.vue'),
    meta: { title: '我的办件', requiresAuth: true },
  },
  {
    path: 'my/applications/:id',
    name: 'my-application',
    component: () => import('@/views/services/ApplicationDetailView.vue'),
    meta: { title: '办件详情', requiresAuth: true },
  },
]

/** 网上办事 in the workspace: queues, case handling and statistics (children of /workspace). */
export const serviceWorkspaceRoutes: RouteRecordRaw[] = [
  {
    path: 'applications',
    name: 'application-queue',
    component: () => import('@/views/services/QueueView.vue'),
    meta: { title: '办件受理', roles: ['handler', 'leader'] },
  },
  {
    path: 'applications/:id',
    name: 'application-handle',
    component: () => import('@/views/services/ApplicationDetailView.vue'),
    meta: { title: '办件办理', roles: ['handler', 'leader'] },
  },
  {
    path: 'rectifications',
    name: 'rectifications',
    component: () => import('@/views/services/RectificationListView.vue'),
    meta: { title: '整改任务', roles: ['handler', 'leader'] },
  },
  {
    path: 'rectifications/:id',
    name: 'rectification',
    component: () => import('@/views/services/RectificationDetailView.vue'),
    meta: { title: '整改任务详情', roles: ['handler', 'leader'] },
  },
  {
    path: 'rating-appeals',
    name: 'rating-appeals',
    component: () => import('@/views/services/AppealListView.vue'),
    meta: { title: '差评申诉裁决', roles: ['admin'] },
  },
  {
    path: 'application-statistics',
    name: 'application-statistics',
    component: () => import('@/views/services/StatisticsView.vue'),
    meta: { title: '办件统计', roles: ['handler', 'leader'] },
  },
]
