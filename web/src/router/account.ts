import type { RouteRecordRaw } from 'vue-router'

/** Sign-in and sign-up, inside the portal layout. */
export const accountRoutes: RouteRecordRaw[] = [
  {
    path: 'login',
    name: 'login',
    component: () => import('@/views/account/LoginView.vue'),
    meta: { title: '用户登录', guestOnly: true },
  },
  {
    path: 'register',
    name: 'register',
    component: () => import('@/views/account/RegisterView.vue'),
    meta: { title: '公众用户注册', guestOnly: true },
  },
  {
    path: 'forbidden',
    name: 'forbidden',
    component: () => import('@/views/ForbiddenView.vue'),
    meta: { title: '无权访问' },
  },
]
