// Chinese labels and shared shapes for the disclosure (政务公开) pages.
import type { components, paths } from '@/api/schema'

export type ColumnNode = components['schemas']['ColumnNode']
export type DisclosureSummary = components['schemas']['DisclosureSummary']
export type DisclosureRead = components['schemas']['DisclosureRead']
export type VersionSummary = components['schemas']['VersionSummary']
export type VersionRead = components['schemas']['VersionRead']
// By path: the schema name of this one is disambiguated by module (two domains have an EventRead).
export type EventRead =
  paths['/api/v1/disclosures/{disclosure_id}/history']['get']['responses'][200]['content']['application/json'][number]
export type Finding = components['schemas']['FindingRead']
export type Validity = components['schemas']['Validity']
export type VersionStatus = components['schemas']['VersionStatus']

type Tag = 'primary' | 'success' | 'info' | 'warning' | 'danger'

export const VALIDITY_LABELS: Record<Validity, string> = { valid: '有效', expired: '失效', repealed: '废止' }
export const VALIDITY_TAGS: Record<Validity, Tag> = { valid: 'success', expired: 'info', repealed: 'danger' }

export const VERSION_STATUS_TAGS: Record<VersionStatus, Tag> = {
  draft: 'info',
  submitted: 'warning',
  in_review: 'warning',
  secrecy_review: 'warning',
  published: 'success',
  superseded: 'info',
  retracted: 'danger',
}
export const FIELD_LABELS: Record<string, string> = {
  title: '标题',
  summary: '摘要',
  body: '正文',
  body_html: '正文',
  doc_no: '文号',
  attachments: '附件名称',
}

// The usual 主题分类 and 体裁 values of a 政府信息公开目录; free text is accepted too.
export const TOPICS = [
  '综合政务',
  '财政、金融、审计',
  '国土资源、能源',
  '城乡建设、环境保护',
  '劳动、人事、监察',
  '机构编制',
  '交通',
  '卫生、体育',
  '其他',
]
export const GENRES = [
  '通知',
  '公告',
  '意见',
  '计划',
  '公示',
  '工作动态',
  '统计数据',
  '预算',
  '决算',
  '采购意向',
  '结果公告',
  '招标公告',
  '办事指南',
  '制度',
]

export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—'
  return new Date(iso).toLocaleDateString('zh-CN', {
    timeZone: 'Asia/Shanghai',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).replace(/\//g, '-')
}

export function fmtSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

/** Depth-first list of a column tree, with each node's depth, for selects and flat menus. */
export function flattenColumns(nodes: ColumnNode[], depth = 0): { node: ColumnNode; depth: number }[] {
  return nodes.flatMap((n) => [{ node: n, depth }, ...flattenColumns(n.children ?? [], depth + 1)])
}
