// True on a phone-sized screen (≤ 768 px wide), for layouts a stylesheet alone cannot change
// (a descriptions table's column count, a steps bar's direction). Shared by every caller.
import { ref, type Ref } from 'vue'

const query = typeof window !== 'undefined' ? window.matchMedia('(max-width: 768px)') : null
const narrow = ref(query?.matches ?? false)
query?.addEventListener('change', (e) => (narrow.value = e.matches))

export function useNarrow(): Ref<boolean> {
  return narrow
}
