import type { RouteRecordRaw } from 'vue-router'

/** 安全审计 pages, children of /workspace. */
export const auditRoutes: RouteRecordRaw[] = [
  {
    path: 'audit',
    name: 'audit',
    component: () => import('@/views/audit/AuditView.vue'),
    meta: { title: '审计日志', roles: ['auditor'] },
  },
]
