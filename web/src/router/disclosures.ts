import type { RouteRecordRaw } from 'vue-router'

/** 政务公开 on the portal: the catalogue, search and one item; no login needed. */
export const disclosureRoutes: RouteRecordRaw[] = [
  {
    path: 'disclosures',
    name: 'disclosures',
    component: () => import('@/views/disclosures/DisclosuresHomeView.vue'),
    meta: { title: '政务公开' },
  },
  {
    path: 'disclosures/catalogue',
    name: 'disclosure-catalogue',
    component: () => import('@/views/disclosures/CatalogueView.vue'),
    meta: { title: '信息公开目录' },
  },
  {
    path: 'disclosures/:id(\\d+)',
    name: 'disclosure',
    component: () => import('@/views/disclosures/DisclosureView.vue'),
    meta: { title: '信息公开' },
  },
]

const EDITORS = ['editor'] as const
const STAFF = ['editor', 'reviewer', 'secrecy_officer'] as const

/** 信息发布 in the workspace: drafts, the review and secrecy-review queues, a version's page, the editor. */
export const disclosureWorkspaceRoutes: RouteRecordRaw[] = [
  {
    path: 'disclosures',
    name: 'disclosure-drafts',
    component: () => import('@/views/disclosures/VersionQueueView.vue'),
    props: { queue: 'mine' },
    meta: { title: '我的稿件', roles: [...EDITORS] },
  },
  {
    path: 'disclosures/review',
    name: 'disclosure-review',
    component: () => import('@/views/disclosures/VersionQueueView.vue'),
    props: { queue: 'review' },
    meta: { title: '信息审核', roles: ['reviewer'] },
  },
  {
    path: 'disclosures/secrecy',
    name: 'disclosure-secrecy',
    component: () => import('@/views/disclosures/VersionQueueView.vue'),
    props: { queue: 'secrecy' },
    meta: { title: '保密审查', roles: ['secrecy_officer'] },
  },
  {
    path: 'disclosures/new',
    name: 'disclosure-new',
    component: () => import('@/views/disclosures/VersionEditView.vue'),
    meta: { title: '新建信息', roles: [...EDITORS] },
  },
  {
    path: 'disclosures/versions/:id(\\d+)/edit',
    name: 'disclosure-version-edit',
    component: () => import('@/views/disclosures/VersionEditView.vue'),
    meta: { title: '编辑信息', roles: [...EDITORS] },
  },
  {
    path: 'disclosures/versions/:id(\\d+)',
    name: 'disclosure-version',
    component: () => import('@/views/disclosures/VersionView.vue'),
    meta: { title: '稿件详情', roles: [...STAFF] },
  },
]
