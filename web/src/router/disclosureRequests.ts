import type { RouteRecordRaw } from 'vue-router'

/** 依申请公开 on the portal: the guide, the application form, and the applicant's own requests. */
export const disclosureRequestRoutes: RouteRecordRaw[] = [
  {
    path: 'disclosures/guide',
    name: 'disclosure-guide',
    component: () => import('@/views/disclosure-requests/GuideView.vue'),
    meta: { title: '政府信息公开指南' },
  },
  {
    path: 'disclosures/apply',
    name: 'disclosure-apply',
    component: () => import('@/views/disclosure-requests/ApplyView.vue'),
    meta: { title: '依申请公开', requiresAuth: true },
  },
  {
    path: 'my/disclosure-requests',
    name: 'my-disclosure-requests',
    component: () => import('@/views/disclosure-requests/MyRequestsView.vue'),
    meta: { title: '我的公开申请', requiresAuth: true },
  },
  {
    path: 'my/disclosure-requests/:id(\\d+)',
    name: 'my-disclosure-request',
    component: () => import('@/views/disclosure-requests/RequestView.vue'),
    meta: { title: '公开申请详情', requiresAuth: true },
  },
]

/** 依申请公开 in the workspace: the queue by urgency, a request's page with every step, the annual report. */
export const disclosureRequestWorkspaceRoutes: RouteRecordRaw[] = [
  {
    path: 'disclosure-requests',
    name: 'disclosure-request-queue',
    component: () => import('@/views/disclosure-requests/QueueView.vue'),
    meta: { title: '依申请公开办理', roles: ['handler', 'leader'] },
  },
  {
    path: 'disclosure-requests/:id(\\d+)',
    name: 'disclosure-request',
    component: () => import('@/views/disclosure-requests/RequestView.vue'),
    meta: { title: '公开申请办理', roles: ['handler', 'leader'] },
  },
  {
    path: 'disclosure-guide',
    name: 'disclosure-guide-edit',
    component: () => import('@/views/disclosure-requests/GuideEditView.vue'),
    meta: { title: '编辑公开指南', roles: ['editor'] },
  },
  {
    path: 'annual-reports',
    name: 'annual-report',
    component: () => import('@/views/disclosure-requests/AnnualReportView.vue'),
    meta: { title: '政府信息公开年度报告', roles: ['handler', 'editor', 'leader'] },
  },
]
