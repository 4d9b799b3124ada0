import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api } from '@/api/client'
import { unwrap } from '@/api/problem'
import type { OrgUnit } from '@/api/types'
import { buildOrgTree } from '@/utils/tree'

export const useOrgUnitsStore = defineStore('orgUnits', () => {
  const units = ref<OrgUnit[]>([])
  const loading = ref(false)
  const loaded = ref(false)
  let pending: Promise<OrgUnit[]> | null = null

  const tree = computed(() => buildOrgTree(units.value))
  const byId = computed(() => new Map(units.value.map((u) => [u.id, u])))

  async function load(force = false): Promise<OrgUnit[]> {
    if (loaded.value && !force) return units.value
    if (pending) return pending
    loading.value = true
    pending = unwrap(api.GET('/api/v1/org-units'))
      .then((list) => {
        units.value = list
        loaded.value = true
        return list
      })
      .finally(() => {
        loading.value = false
        pending = null
      })
    return pending
  }

  function nameOf(id: number | null | undefined): string {
    if (id == null) return '—'
    return byId.value.get(id)?.name ?? `#${id}`
  }

  return { units, tree, byId, loading, loaded, load, nameOf }
})
