import type { RouteRecordRaw } from 'vue-router'

/** The pages every gov.cn site carries (网站地图, 关于我们, 联系我们, 隐私声明) and the citizen's 个人中心. */
export const siteRoutes: RouteRecordRaw[] = [
  { path: 'site/sitemap', name: 'sitemap', component: () => import('@/views/site/SitemapView.vue'), meta: { title: '网站地图' } },
  { path: 'site/about', name: 'about', component: () => import('@/views/site/SitePageView.vue'), props: { page: 'about' }, meta: { title: '关于我们' } },
  { path: 'site/contact', name: 'contact', component: () => import('@/views/site/SitePageView.vue'), props: { page: 'contact' }, meta: { title: '联系我们' } },
  { path: 'site/privacy', name: 'privacy', component: () => import('@/views/site/SitePageView.vue'), props: { page: 'privacy' }, meta: { title: '隐私声明' } },
  { path: 'me/letters/:id', name: 'my-letter', component: () => import('@/views/site/MyLetterView.vue'), props: true, meta: { title: '我的来信', requiresAuth: true } },
  { path: 'me', name: 'me', component: () => import('@/views/site/MeView.vue'), meta: { title: '个人中心', requiresAuth: true } },
]
