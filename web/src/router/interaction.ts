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
  {
    path: 'interaction/surveys',
    name: 'surveys',
    component: () => import('@/views/interaction/surveys/SurveyListView.vue'),
    meta: { title: '民意调查' },
  },
  {
    path: 'interaction/surveys/:id(\\d+)',
    name: 'survey',
    component: () => import('@/views/interaction/surveys/SurveyView.vue'),
    meta: { title: '民意调查' },
  },
  {
    path: 'interaction/consultations',
    name: 'consultations',
    component: () => import('@/views/interaction/surveys/ConsultationListView.vue'),
    meta: { title: '征集意见' },
  },
  {
    path: 'interaction/consultations/:id(\\d+)',
    name: 'consultation',
    component: () => import('@/views/interaction/surveys/ConsultationView.vue'),
    meta: { title: '征集意见' },
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

/** 调查征集 in the workspace: surveys and consultations, for editors (the API checks their unit). */
export const surveyWorkspaceRoutes: RouteRecordRaw[] = [
  {
    path: 'surveys',
    name: 'survey-admin',
    component: () => import('@/views/interaction/surveys/SurveysWorkspaceView.vue'),
    meta: { title: '调查征集', roles: ['editor'] },
  },
  {
    path: 'surveys/new',
    name: 'survey-new',
    component: () => import('@/views/interaction/surveys/SurveyEditView.vue'),
    meta: { title: '新建调查', roles: ['editor'] },
  },
  {
    path: 'surveys/:id(\\d+)/edit',
    name: 'survey-edit',
    component: () => import('@/views/interaction/surveys/SurveyEditView.vue'),
    meta: { title: '编辑调查', roles: ['editor'] },
  },
]
