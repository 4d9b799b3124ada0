import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api/client'

const POLL_MS = 60_000

/** The unread count shown in the header; polled while someone is signed in. */
export const useNotificationStore = defineStore('notifications', () => {
  const unread = ref(0)
  let timer: ReturnType<typeof setInterval> | null = null

  async function refresh(): Promise<void> {
    const { data } = await api.GET('/api/v1/notifications/unread-count')
    if (data) unread.value = data.unread
  }

  function start(): void {
    if (timer) return
    void refresh()
    timer = setInterval(() => void refresh(), POLL_MS)
  }

  function stop(): void {
    if (timer) clearInterval(timer)
    timer = null
    unread.value = 0
  }

  return { unread, refresh, start, stop }
})
