import type { RouteRecordRaw } from 'vue-router'

/** 工作日历, a child of /workspace: every staff member can look, admins edit. */
export const calendarRoutes: RouteRecordRaw[] = [
  {
    path: 'calendar',
    name: 'calendar',
    component: () => import('@/views/calendar/CalendarView.vue'),
    meta: { title: '工作日历' },
  },
]
