// The one list every menu is built from. A new domain adds its entries here (and its routes in
// src/router/<area>.ts); `roles` hides an entry from users who hold none of them.
import type { Component } from 'vue'
import {
  Bell,
  Calendar,
  ChatDotRound,
  Connection,
  Document,
  HomeFilled,
  Histogram,
  Lock,
  OfficeBuilding,
  Suitcase,
  User,
  UserFilled,
} from '@element-plus/icons-vue'
import type { Role } from '@/api/types'

export type NavArea = 'portal' | 'workspace'

export interface NavItem {
  area: NavArea
  label: string
  to: string
  icon?: Component
  /** Side-menu group title (workspace only); items without one sit at the top level. */
  group?: string
  /** Only users holding one of these roles see the entry; omit for everyone in the area. */
  roles?: Role[]
  /** Short description, used on the home page entry cards and the workspace dashboard. */
  description?: string
}

export const NAV_ITEMS: NavItem[] = [
  { area: 'portal', label: '首页', to: '/', icon: HomeFilled },
  {
    area: 'portal',
    label: '政务公开',
    to: '/disclosures',
    icon: Document,
    description: '政府信息公开目录、法定主动公开内容与依申请公开',
  },
  {
    area: 'portal',
    label: '网上办事',
    to: '/services',
    icon: Suitcase,
    description: '办事指南、在线申请、进度查询与好差评',
  },
  {
    area: 'portal',
    label: '互动交流',
    to: '/interaction',
    icon: ChatDotRound,
    description: '局长信箱、投诉咨询建议、民意调查与征集意见',
  },

  { area: 'workspace', label: '工作台', to: '/workspace', icon: HomeFilled },
  { area: 'workspace', group: '信息发布', label: '我的稿件', to: '/workspace/disclosures', icon: Document, roles: ['editor'], description: '起草政府信息、上传附件、提交审核，查看发布前检查结果' },
  { area: 'workspace', group: '信息发布', label: '信息审核', to: '/workspace/disclosures/review', icon: Document, roles: ['reviewer'], description: '审核待发布的政府信息，通过或退回修改' },
  { area: 'workspace', group: '信息发布', label: '保密审查', to: '/workspace/disclosures/secrecy', icon: Lock, roles: ['secrecy_officer'], description: '发布前保密审查：密级标志、个人信息确认' },
  { area: 'workspace', group: '依申请公开', label: '公开申请办理', to: '/workspace/disclosure-requests', icon: Document, roles: ['handler', 'leader'], description: '依申请公开的补正、延期、征求意见、收费与答复，按答复期限排序' },
  { area: 'workspace', group: '依申请公开', label: '年度报告', to: '/workspace/annual-reports', icon: Histogram, roles: ['handler', 'editor', 'leader'], description: '政府信息公开工作年度报告：自动统计、校验、发布与导出' },
  { area: 'workspace', group: '依申请公开', label: '公开指南', to: '/workspace/disclosure-guide', icon: Document, roles: ['editor'], description: '编辑政府信息公开指南：申请方式、期限、收费与救济途径' },
  { area: 'workspace', label: '来信办理', to: '/workspace/complaints', icon: ChatDotRound, roles: ['handler', 'leader', 'editor'], description: '局长信箱、投诉、咨询、建议的受理、转办、答复与统计' },
  { area: 'workspace', label: '调查征集', to: '/workspace/surveys', icon: ChatDotRound, roles: ['editor'], description: '民意调查的题目、发布与结果，征集意见的发布与采纳情况' },
  {
    area: 'workspace',
    group: '系统管理',
    label: '用户管理',
    to: '/workspace/admin/users',
    icon: User,
    roles: ['admin'],
    description: '新建、编辑、停用账号，重置密码',
  },
  {
    area: 'workspace',
    group: '系统管理',
    label: '机构管理',
    to: '/workspace/admin/org-units',
    icon: OfficeBuilding,
    roles: ['admin'],
    description: '维护机关、处室、直属中心与企事业单位',
  },
  {
    area: 'workspace',
    group: '系统管理',
    label: '接入客户端',
    to: '/workspace/admin/api-clients',
    icon: Connection,
    roles: ['admin'],
    description: '登记第三方门户与应用的接入凭据、权限范围与限额，查看调用统计',
  },
  {
    area: 'workspace',
    group: '系统管理',
    label: '订阅消息模板',
    to: '/workspace/admin/wechat-templates',
    icon: ChatDotRound,
    roles: ['admin'],
    description: '各类通知使用的微信小程序订阅消息模板、关键词映射与跳转页面，查看模板数据错误（47003）',
  },
  {
    area: 'workspace',
    group: '安全管理',
    label: '角色授权',
    to: '/workspace/admin/role-grants',
    icon: Lock,
    roles: ['security_admin'],
    description: '为工作人员授予或撤销角色',
  },
  {
    area: 'workspace',
    group: '安全审计',
    label: '审计日志',
    to: '/workspace/audit',
    icon: Histogram,
    roles: ['auditor'],
    description: '查询操作记录，校验审计日志哈希链',
  },
  {
    area: 'workspace',
    label: '工作日历',
    to: '/workspace/calendar',
    icon: Calendar,
    description: '法定节假日与调休上班安排，办理期限计算',
  },
  {
    area: 'workspace',
    group: '网上办事',
    label: '办件受理',
    to: '/workspace/applications',
    icon: Suitcase,
    roles: ['handler', 'leader'],
    description: '本部门待办办件、并联审批、补正与办结，按紧急程度排序',
  },
  {
    area: 'workspace',
    group: '网上办事',
    label: '办件统计',
    to: '/workspace/application-statistics',
    icon: Histogram,
    roles: ['handler', 'leader'],
    description: '各事项、各部门办件量、按时办结率、平均办理时长与满意率',
  },
  { area: 'workspace', group: '网上办事', label: '整改任务', to: '/workspace/rectifications', icon: Suitcase, roles: ['handler', 'leader'], description: '差评回访与整改，15 个工作日内办结' },
  { area: 'workspace', group: '网上办事', label: '差评申诉', to: '/workspace/rating-appeals', icon: Suitcase, roles: ['admin'], description: '裁决部门提出的恶意差评申诉' },
  { area: 'workspace', group: '网站管理', label: '合规检查', to: '/workspace/compliance', icon: Histogram, roles: ['admin', 'leader', 'editor'], description: '对照国办函〔2019〕38号检查指标：栏目更新、空白栏目、留言答复、办事指南要素、链接可用' },
  { area: 'workspace', group: '网站管理', label: '访问统计', to: '/workspace/visits', icon: Histogram, roles: ['admin', 'leader', 'editor'], description: '各信息、各栏目每日浏览次数（不含搜索引擎等机器访问）' },
  { area: 'workspace', group: '网站管理', label: '网站信息页', to: '/workspace/site-pages', icon: Document, roles: ['admin', 'editor'], description: '维护关于我们、联系我们、隐私声明，保存即发布' },
  { area: 'workspace', group: '网站管理', label: '绩效考核', to: '/workspace/performance', icon: Histogram, roles: ['admin', 'leader'], description: '各部门信息发布、审核、办件、来信答复、满意度与合规问题的综合得分和排名' },
  {
    area: 'workspace',
    label: '消息通知',
    to: '/workspace/notifications',
    icon: Bell,
    description: '办件进度、催办提醒等站内消息',
  },
  {
    area: 'workspace',
    label: '通知方式',
    to: '/workspace/notifications/settings',
    icon: Bell,
    description: '选择邮件、短信、微信订阅消息，查看发送记录，管理微信绑定',
  },
  {
    area: 'workspace',
    label: '个人中心',
    to: '/workspace/profile',
    icon: UserFilled,
    description: '查看个人信息，修改密码',
  },
]

export function navItemsFor(area: NavArea, hasAnyRole: (roles: Role[] | undefined) => boolean): NavItem[] {
  return NAV_ITEMS.filter((item) => item.area === area && hasAnyRole(item.roles))
}

export interface NavGroup {
  title: string | null
  items: NavItem[]
}

/** Items in list order, grouped by `group` (ungrouped items stand alone). */
export function groupNav(items: NavItem[]): NavGroup[] {
  const groups: NavGroup[] = []
  for (const item of items) {
    const title = item.group ?? null
    const last = groups[groups.length - 1]
    const existing = title ? groups.find((g) => g.title === title) : undefined
    if (existing) existing.items.push(item)
    else if (!title && last && last.title === null) last.items.push(item)
    else groups.push({ title, items: [item] })
  }
  return groups
}
