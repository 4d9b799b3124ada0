import type { RouteRecordRaw } from 'vue-router'

/** 全站搜索, reached from the header's search box on every public page. */
export const searchRoutes: RouteRecordRaw[] = [
  {
    path: 'search',
    name: 'site-search',
    component: () => import('@/views/search/SiteSearchView.vue'),
    meta: { title: '全站搜索' },
  },
]
