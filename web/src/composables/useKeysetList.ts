import { computed, ref, shallowRef, type Ref } from 'vue'
import { problemOf, showProblem, type Problem } from '@/api/problem'

/** One page of a keyset-paginated list, as every list endpoint of the API returns it. */
export interface KeysetPage<T> {
  items: T[]
  next_cursor?: string | null
}

export interface KeysetList<T> {
  /** The rows loaded so far, pages appended in order. */
  items: Ref<T[]>
  /** The cursor of the next page; null once the last page is in. */
  nextCursor: Ref<string | null>
  /** The first page is being (re)loaded. */
  loading: Ref<boolean>
  /** A further page is being loaded. */
  loadingMore: Ref<boolean>
  /** The last load failed (the rows already shown stay). */
  error: Ref<Problem | null>
  /** Loaded, no error, and nothing there. */
  empty: Ref<boolean>
  /** Start again from the first page (after a filter change). */
  reload(): Promise<void>
  /** Append the next page, if any. */
  loadMore(): Promise<void>
  /** Repeat whatever failed last. */
  retry(): Promise<void>
}

/**
 * Keyset paging for a list endpoint: `fetchPage(cursor)` asks for one page (cursor undefined for the
 * first); the composable keeps the rows, the next cursor, the loading, empty and error states, and
 * drops the answer of a request overtaken by a newer reload (a filter typed quickly never shows the
 * rows of the filter before it). Errors are shown once as a toast and kept in `error` for the page.
 */
export function useKeysetList<T>(fetchPage: (cursor: string | undefined) => Promise<KeysetPage<T>>): KeysetList<T> {
  const items = ref<T[]>([]) as Ref<T[]>
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const loadingMore = ref(false)
  const error = shallowRef<Problem | null>(null)
  const loaded = ref(false)
  let generation = 0
  let lastFailed: 'reload' | 'more' = 'reload'

  async function run(cursor: string | undefined): Promise<void> {
    const mine = cursor === undefined ? ++generation : generation
    const flag = cursor === undefined ? loading : loadingMore
    if (cursor === undefined) loadingMore.value = false // an unfinished "more" of the old filter is dropped
    flag.value = true
    error.value = null
    try {
      const page = await fetchPage(cursor)
      if (mine !== generation) return
      items.value = cursor === undefined ? page.items : [...items.value, ...page.items]
      nextCursor.value = page.next_cursor ?? null
      loaded.value = true
    } catch (e) {
      if (mine !== generation) return
      lastFailed = cursor === undefined ? 'reload' : 'more'
      error.value = problemOf(e)
      showProblem(e)
    } finally {
      if (mine === generation) flag.value = false
    }
  }

  const reload = (): Promise<void> => run(undefined)

  async function loadMore(): Promise<void> {
    if (!nextCursor.value || loading.value || loadingMore.value) return
    await run(nextCursor.value)
  }

  const retry = (): Promise<void> => (lastFailed === 'more' ? loadMore() : reload())

  const empty = computed(() => loaded.value && !loading.value && !error.value && items.value.length === 0)

  return { items, nextCursor, loading, loadingMore, error, empty, reload, loadMore, retry }
}
