import { reactive } from 'vue'
import { fieldMessage, problemOf, showProblem, type Problem } from '@/api/problem'

export interface FormErrorOptions<F extends string> {
  /** The body key the form's fields live under (`data` of an application, `answers` of a survey). */
  under?: string
  /** How many dot-separated segments name a field (2 for `questions.0`); 1 by default. */
  depth?: number
  /** Where an error about the whole body (field "" or "body", a model-level rule) is shown. */
  whole?: F
}

/**
 * Field errors from a problem+json response, keyed by form field, for `<el-form-item :error>`.
 * `fields` is the list of fields the form shows, or a function giving it (a form built from data).
 * Errors on fields the form does not show are listed in the toast instead.
 */
export function useFormErrors<F extends string>(
  fields: readonly F[] | (() => readonly F[]),
  options: FormErrorOptions<F> = {},
) {
  const errors = reactive<Partial<Record<F, string>>>({}) as Partial<Record<F, string>>
  const shown = (): readonly F[] => (typeof fields === 'function' ? fields() : fields)

  function clear(): void {
    for (const key of Object.keys(errors)) delete errors[key as F]
  }

  function keyOf(field: string): string {
    let path = field
    if (options.under && (path === options.under || path.startsWith(`${options.under}.`))) {
      path = path.slice(options.under.length + 1)
    }
    return path.split('.').slice(0, options.depth ?? 1).join('.')
  }

  function add(key: F, text: string): void {
    errors[key] = errors[key] ? `${errors[key]}；${text}` : text
  }

  function handle(e: unknown): Problem {
    clear()
    const p = problemOf(e)
    const known = shown()
    const leftovers: string[] = []
    for (const err of p.errors ?? []) {
      const key = keyOf(err.field) as F
      const text = fieldMessage(err)
      if (known.includes(key)) add(key, text)
      else if ((key === '' || key === 'body') && options.whole) add(options.whole, text)
      else leftovers.push(err.field ? `${err.field}：${text}` : text)
    }
    // A 409 naming one field (e.g. username taken) belongs next to that field too.
    const field = typeof p.field === 'string' ? (keyOf(p.field) as F) : undefined
    if (field && known.includes(field) && !errors[field]) errors[field] = p.detail
    showProblem(p, leftovers)
    return p
  }

  return { errors, clear, handle }
}
