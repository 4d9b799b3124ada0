import { ElMessage } from 'element-plus'

/** One entry of a 422 problem's `errors` list. */
export interface FieldError {
  field: string
  in: string
  message: string
  type: string
}

/** RFC 9457 problem+json as the API renders it. */
export interface Problem {
  type?: string
  title: string
  status: number
  code: string
  detail: string
  instance?: string | null
  request_id?: string | null
  errors?: FieldError[] | null
  retry_after?: number | null
  [extra: string]: unknown
}

export class ApiError extends Error {
  readonly problem: Problem

  constructor(problem: Problem) {
    super(problem.detail || problem.title)
    this.name = 'ApiError'
    this.problem = problem
  }

  get status(): number {
    return this.problem.status
  }
}

const STATUS_TEXT: Record<number, string> = {
  0: '网络连接失败，请检查网络后重试',
  400: '请求有误',
  401: '未登录或登录已过期',
  403: '没有权限执行此操作',
  404: '资源不存在',
  409: '与当前状态冲突',
  413: '上传内容超过大小限制',
  422: '提交的数据未通过校验',
  429: '请求过于频繁，请稍后再试',
  500: '服务器内部错误',
  502: '服务暂不可用',
  503: '服务暂不可用',
  504: '服务响应超时',
}

function isProblemLike(value: unknown): value is Partial<Problem> {
  return typeof value === 'object' && value !== null && ('detail' in value || 'title' in value)
}

/** Turn whatever an openapi-fetch call returned as `error` into a Problem. */
export function toProblem(error: unknown, response?: Response): Problem {
  const status = response?.status ?? 0
  const fallback = STATUS_TEXT[status] ?? `请求失败（${status}）`
  if (isProblemLike(error)) {
    const retryHeader = response?.headers.get('Retry-After')
    return {
      ...error,
      title: error.title ?? fallback,
      status: error.status ?? status,
      code: error.code ?? 'error',
      detail: error.detail || error.title || fallback,
      retry_after: error.retry_after ?? (retryHeader ? Number(retryHeader) : null),
    }
  }
  return { title: fallback, status, code: status ? 'error' : 'network_error', detail: fallback }
}

/** Normalise anything thrown by an API call into a Problem. */
export function problemOf(e: unknown): Problem {
  if (e instanceof ApiError) return e.problem
  if (e instanceof Error) return { title: STATUS_TEXT[0]!, status: 0, code: 'network_error', detail: STATUS_TEXT[0]! }
  return toProblem(e)
}

interface CallResult<T> {
  data?: T
  error?: unknown
  response: Response
}

/** Await an openapi-fetch call and return its data, or throw ApiError with the problem+json body. */
export async function unwrap<T>(call: Promise<CallResult<T>>): Promise<T> {
  let result: CallResult<T>
  try {
    result = await call
  } catch (e) {
    if (e instanceof ApiError) throw e
    throw new ApiError(toProblem(undefined))
  }
  if (!result.response.ok) throw new ApiError(toProblem(result.error, result.response))
  return result.data as T
}

const TYPE_TEXT: Record<string, string> = {
  missing: '此项为必填项',
  string_too_short: '长度不足',
  string_too_long: '长度超出限制',
  string_pattern_mismatch: '格式不正确',
  int_parsing: '请输入整数',
  int_type: '请输入整数',
  enum: '取值无效',
  datetime_from_date_parsing: '时间格式不正确',
  datetime_parsing: '时间格式不正确',
}

/** A field error in Chinese: the API's own Chinese message, else a translation of pydantic's type. */
export function fieldMessage(err: FieldError): string {
  if (/[\u4e00-\u9fff]/.test(err.message)) return err.message
  // "at least 1 character" after stripping blanks: the field was left empty
  if (err.type === 'string_too_short' && /at least 1 character/.test(err.message)) return TYPE_TEXT.missing!
  return TYPE_TEXT[err.type] ?? err.message
}

/** Show a problem to the user: `detail`, plus a retry hint for 429. */
export function showProblem(e: unknown, extraLines: string[] = []): Problem {
  const p = problemOf(e)
  let text = p.detail || p.title
  if (p.status === 429 && p.retry_after) text += `（请 ${p.retry_after} 秒后再试）`
  if (extraLines.length) text += '：' + extraLines.join('；')
  dismissProblem()
  // No grouping: the previous toast is closing, and a repeat grouped into it would vanish with it.
  lastProblem = ElMessage.error({ message: text, duration: 4000 })
  return p
}

let lastProblem: { close: () => void } | null = null

/** Take down the last problem's toast: a later success makes it stale (called on every successful write). */
export function dismissProblem(): void {
  lastProblem?.close()
  lastProblem = null
}
