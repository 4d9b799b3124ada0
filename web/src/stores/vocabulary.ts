// The Chinese words for every workflow's states and actions and every labelled enum, defined once in
// the API (GET /api/v1/vocabulary) and loaded once at app start. Until it arrives (or if it fails) a
// label reads as its raw value, so the page never waits on it and never shows a second copy's words.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api } from '@/api/client'
import { unwrap } from '@/api/problem'
import type { components } from '@/api/schema'

export type Term = components['schemas']['Term']
type Vocabulary = components['schemas']['Vocabulary']
export type TermKind = 'states' | 'actions'

const key = (value: string | number): string => String(value)

function index(terms: readonly Term[]): Map<string, string> {
  return new Map(terms.map((t) => [key(t.value), t.label]))
}

export const useVocabularyStore = defineStore('vocabulary', () => {
  const data = ref<Vocabulary | null>(null)
  const failed = ref(false)
  let pending: Promise<void> | null = null

  const workflowIndex = computed(() => {
    const out = new Map<string, { label: string; states: Map<string, string>; actions: Map<string, string> }>()
    for (const [name, w] of Object.entries(data.value?.workflows ?? {})) {
      out.set(name, { label: w.label, states: index(w.states), actions: index(w.actions) })
    }
    return out
  })
  const enumIndex = computed(() => {
    const out = new Map<string, Map<string, string>>()
    for (const [name, terms] of Object.entries(data.value?.enums ?? {})) out.set(name, index(terms))
    return out
  })

  /** Fetch once; later calls share the first request. A failure is remembered and may be retried. */
  function load(): Promise<void> {
    if (data.value) return Promise.resolve()
    pending ??= unwrap(api.GET('/api/v1/vocabulary'))
      .then((v) => {
        data.value = v
        failed.value = false
      })
      .catch(() => {
        failed.value = true
        pending = null
      })
    return pending
  }

  /** The label of a workflow's state or action; the raw value while loading or if unknown. */
  function label(workflow: string, kind: TermKind, value: string | number | null | undefined): string {
    if (value === null || value === undefined) return ''
    return workflowIndex.value.get(workflow)?.[kind].get(key(value)) ?? key(value)
  }

  /** The label of an enum value; the raw value while loading or if unknown. */
  function enumLabel(name: string, value: string | number | null | undefined): string {
    if (value === null || value === undefined) return ''
    return enumIndex.value.get(name)?.get(key(value)) ?? key(value)
  }

  /** The name of a workflow itself (申请, 来信…). */
  function workflowLabel(workflow: string): string {
    return workflowIndex.value.get(workflow)?.label ?? workflow
  }

  /** A workflow's states or actions in the API's order, for selects and filters. */
  function terms(workflow: string, kind: TermKind): Term[] {
    return data.value?.workflows[workflow]?.[kind] ?? []
  }

  /** An enum's values in the API's order, for selects and filters. */
  function enumTerms(name: string): Term[] {
    return data.value?.enums[name] ?? []
  }

  const loaded = computed(() => data.value !== null)

  return { loaded, failed, load, label, enumLabel, workflowLabel, terms, enumTerms }
})

/** `label('complaint', 'states', c.status)` in a component or template. */
export function label(workflow: string, kind: TermKind, value: string | number | null | undefined): string {
  return useVocabularyStore().label(workflow, kind, value)
}

/** `enumLabel('complaint_kind', c.kind)` in a component or template. */
export function enumLabel(name: string, value: string | number | null | undefined): string {
  return useVocabularyStore().enumLabel(name, value)
}
