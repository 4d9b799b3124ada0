import type { RouteRecordRaw } from 'vue-router'

/** Pages every signed-in user has, children of /workspace. */
export const workspaceRoutes: RouteRecordRaw[] = [
  {
    path: '',
    name: 'workspace',
    component: () => import('@/views/workspace/DashboardView.vue'),
    meta: { title: '工作台' },
  },
  {
    path: 'notifications',
    name: 'notifications',
    component: () => import('@/views/notifications/NotificationsView.vue'),
    meta: { title: '消息通知' },
  },
  {
    path: 'notifications/settings',
    name: 'notification-settings',
    component: () => import('@/views/notifications/NotificationSettingsView.vue'),
    meta: { title: '通知方式' },
  },
  {
    path: 'profile',
    name: 'profile',
    component: () => import('@/views/workspace/ProfileView.vue'),
    meta: { title: '个人中心' },
  },
]
