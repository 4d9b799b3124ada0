// The site's identity (GET /api/v1/site): 网站标识码, 备案 numbers, badge and contact lines, loaded once.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api/client'
import { unwrap } from '@/api/problem'
import type { components } from '@/api/schema'

export type Site = components['schemas']['SiteRead']

export const useSiteStore = defineStore('site', () => {
  const site = ref<Site | null>(null)
  let pending: Promise<void> | null = null
  function load(): Promise<void> {
    pending ??= unwrap(api.GET('/api/v1/site'))
      .then((s) => {
        site.value = s
      })
      .catch(() => {
        pending = null
      })
    return pending
  }
  return { site, load }
})
