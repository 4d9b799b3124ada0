import type { RouteRecordRaw } from 'vue-router'

/** 互动交流 on the portal: mailboxes, writing a letter, looking up a reply, published letters. */
export const interactionRoutes: RouteRecordRaw[] = [
  {
    path: 'interaction',
    name: 'interaction',
    component: () => import('@/views/interaction/InteractionView.vue'),
    meta: { title: '互动交流' },
  },
  {
    path: 'interaction/write/:mailboxId(\\d+)',
    name: 'interaction-write',
    component: () => import('@/views/interaction/WriteView.vue'),
    meta: { title: '我要写信' },
  },
  {
    path: 'interaction/lookup',
    name: 'interaction-lookup',
    component: () => import('@/views/interaction/LookupView.vue'),
    meta: { title: '办理结果查询' },
  },
]

/** 来信办理 in the workspace: queue, case page, statistics. */
export const complaintWorkspaceRoutes: RouteRecordRaw[] = [
  {
    path: 'complaints',
    name: 'complaints',
    component: () => import('@/views/interaction/ComplaintQueueView.vue'),
    meta: { title: '来信办理', roles: ['handler', 'leader', 'editor'] },
  },
  {
    path: 'complaints/statistics',
    name: 'complaints-statistics',
    component: () => import('@/views/interaction/ComplaintStatisticsView.vue'),
    meta: { title: '来信统计' },
  },
  {
    path: 'complaints/:id(\\d+)',
    name: 'complaint',
    component: () => import('@/views/interaction/ComplaintView.vue'),
    meta: { title: '来信详情', roles: ['handler', 'leader', 'editor'] },
  },
]
