// 浏览次数: one beacon per public item shown. The count is taken by POST /visits, never by the item's GET
// (public reads may be served from a cache), and the answer is the number to show.
import { ref } from 'vue'
import { api } from '@/api/client'
import type { components } from '@/api/schema'

type VisitKind = components['schemas']['VisitKind']

export function useVisit() {
  const views = ref<number | null>(null)

  async function count(kind: VisitKind, id: number): Promise<void> {
    try {
      const { data } = await api.POST('/api/v1/visits', { body: { kind, id } })
      views.value = data?.views ?? null
    } catch {
      views.value = null // a lost count never disturbs the page
    }
  }

  return { views, count }
}
