import { reactive } from 'vue'
import { fieldMessage, problemOf, showProblem, type Problem } from '@/api/problem'

/**
 * Field errors from a problem+json response, keyed by form field, for `<el-form-item :error>`.
 * Errors on fields the form does not show are listed in the message instead.
 */
export function useFormErrors<F extends string>(fields: readonly F[]) {
  const errors = reactive<Partial<Record<F, string>>>({}) as Partial<Record<F, string>>

  function clear(): void {
    for (const key of Object.keys(errors)) delete errors[key as F]
  }

  function handle(e: unknown): Problem {
    clear()
    const p = problemOf(e)
    const leftovers: string[] = []
    for (const err of p.errors ?? []) {
      const key = (err.field.split('.')[0] ?? '') as F
      const text = fieldMessage(err)
      if (fields.includes(key)) errors[key] = errors[key] ? `${errors[key]}；${text}` : text
      else leftovers.push(err.field ? `${err.field}：${text}` : text)
    }
    // A 409 naming one field (e.g. username taken) belongs next to that field too.
    const field = typeof p.field === 'string' ? (p.field as F) : undefined
    if (field && fields.includes(field) && !errors[field]) errors[field] = p.detail
    showProblem(p, leftovers)
    return p
  }

  return { errors, clear, handle }
}
