import type { RouteRecordRaw } from 'vue-router'

/** 系统管理 and 安全管理 pages, children of /workspace. */
export const adminRoutes: RouteRecordRaw[] = [
  {
    path: 'admin/users',
    name: 'admin-users',
    component: () => import('@/views/admin/UsersView.vue'),
    meta: { title: '用户管理', roles: ['admin'] },
  },
  {
    path: 'admin/org-units',
    name: 'admin-org-units',
    component: () => import('@/views/admin/OrgUnitsView.vue'),
    meta: { title: '机构管理', roles: ['admin'] },
  },
  {
    path: 'admin/api-clients',
    name: 'admin-api-clients',
    component: () => import('@/views/admin/ApiClientsView.vue'),
    meta: { title: '接入客户端', roles: ['admin'] },
  },
  {
    path: 'admin/wechat-templates',
    name: 'admin-wechat-templates',
    component: () => import('@/views/admin/WechatTemplatesView.vue'),
    meta: { title: '订阅消息模板', roles: ['admin'] },
  },
  {
    path: 'admin/role-grants',
    name: 'admin-role-grants',
    component: () => import('@/views/admin/RoleGrantsView.vue'),
    meta: { title: '角色授权', roles: ['security_admin'] },
  },
]
