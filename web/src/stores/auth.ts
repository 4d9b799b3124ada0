import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, configureAuth } from '@/api/client'
import { ApiError, unwrap } from '@/api/problem'
import type { Me, RegisterBody, Role, TokenPair } from '@/api/types'

const ACCESS_KEY = 'zw.access_token'
const ACCESS_EXP_KEY = 'zw.access_expires_at'
// The refresh token itself is in an HttpOnly cookie the page cannot read (see client.ts, cookie delivery);
// this flag only says that a cookie session was started here, so anonymous visits make no refresh call.
const SESSION_KEY = 'zw.session'
const LEGACY_REFRESH_KEY = 'zw.refresh_token'
const REFRESH_LEAD_MS = 60_000
const MIN_DELAY_MS = 5_000
const NETWORK_RETRY_MS = 30_000

type ExpiredHandler = () => void

export const useAuthStore = defineStore('auth', () => {
  const accessToken = ref<string | null>(localStorage.getItem(ACCESS_KEY))
  const accessExpiresAt = ref<number>(Number(localStorage.getItem(ACCESS_EXP_KEY) ?? 0))
  localStorage.removeItem(LEGACY_REFRESH_KEY) // written by earlier versions of this page
  const hasSession = ref<boolean>(localStorage.getItem(SESSION_KEY) === '1')
  const user = ref<Me | null>(null)

  let timer: ReturnType<typeof setTimeout> | null = null
  let refreshing: Promise<boolean> | null = null
  let initializing: Promise<void> | null = null
  let onExpired: ExpiredHandler = () => {}

  const isLoggedIn = computed(() => user.value !== null)
  const isStaff = computed(() => user.value?.kind === 'staff')
  const roles = computed<Role[]>(() => [...new Set((user.value?.roles ?? []).map((g) => g.role))])

  function hasAnyRole(wanted: readonly Role[] | undefined): boolean {
    if (!wanted || wanted.length === 0) return true
    return roles.value.some((r) => wanted.includes(r))
  }

  function setSessionExpiredHandler(fn: ExpiredHandler): void {
    onExpired = fn
  }

  function clearTimer(): void {
    if (timer) clearTimeout(timer)
    timer = null
  }

  function schedule(delayMs: number): void {
    clearTimer()
    timer = setTimeout(() => void refresh(), Math.max(MIN_DELAY_MS, delayMs))
  }

  function setTokens(pair: TokenPair): void {
    accessToken.value = pair.access_token
    accessExpiresAt.value = Date.now() + pair.expires_in * 1000
    hasSession.value = true
    localStorage.setItem(ACCESS_KEY, pair.access_token)
    localStorage.setItem(ACCESS_EXP_KEY, String(accessExpiresAt.value))
    localStorage.setItem(SESSION_KEY, '1')
    schedule(pair.expires_in * 1000 - REFRESH_LEAD_MS)
  }

  function clearSession(): void {
    clearTimer()
    accessToken.value = null
    accessExpiresAt.value = 0
    hasSession.value = false
    user.value = null
    localStorage.removeItem(ACCESS_KEY)
    localStorage.removeItem(ACCESS_EXP_KEY)
    localStorage.removeItem(SESSION_KEY)
  }

  /** Rotate the refresh token; one refresh at a time however many callers ask. */
  function refresh(): Promise<boolean> {
    if (refreshing) return refreshing
    refreshing = (async () => {
      if (!hasSession.value) return false
      try {
        // The cookie carries the refresh token; client.ts adds the header that asks for cookie delivery.
        setTokens(await unwrap(api.POST('/api/v1/auth/refresh', {})))
        return true
      } catch (e) {
        if (e instanceof ApiError && e.status === 0) {
          // Network trouble is not a verdict on the session: keep it and try again later.
          schedule(NETWORK_RETRY_MS)
          return false
        }
        const hadUser = user.value !== null
        clearSession()
        if (hadUser) onExpired()
        return false
      }
    })().finally(() => {
      refreshing = null
    })
    return refreshing
  }

  configureAuth({ getAccessToken: () => accessToken.value, refresh })

  async function loadMe(): Promise<Me> {
    const me = await unwrap(api.GET('/api/v1/auth/me'))
    user.value = me
    return me
  }

  async function login(username: string, password: string): Promise<Me> {
    const pair = await unwrap(
      api.POST('/api/v1/auth/token', {
        body: { username, password, scope: '' },
        bodySerializer: (body) => {
          const form = new URLSearchParams()
          form.set('username', body?.username ?? '')
          form.set('password', body?.password ?? '')
          return form
        },
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
    )
    setTokens(pair)
    try {
      return await loadMe()
    } catch (e) {
      clearSession()
      throw e
    }
  }

  async function register(body: RegisterBody): Promise<void> {
    await unwrap(api.POST('/api/v1/auth/register', { body }))
  }

  async function logout(): Promise<void> {
    const had = hasSession.value
    const token = accessToken.value
    clearSession()
    if (had) {
      try {
        // The cookie names the session to end; the access token is revoked too (until it would have expired).
        await unwrap(
          api.POST('/api/v1/auth/logout', {
            body: {},
            headers: token ? { Authorization: `Bearer ${token}` } : {},
          }),
        )
      } catch {
        // The local session is gone either way; the server forgets the token when it expires.
      }
    }
  }

  async function changePassword(current_password: string, new_password: string): Promise<void> {
    // The server ends every session of the user and hands this one fresh tokens.
    setTokens(await unwrap(api.POST('/api/v1/auth/password', { body: { current_password, new_password } })))
    await loadMe()
  }

  /** Restore the session from storage once, before the first navigation. */
  function init(): Promise<void> {
    if (initializing) return initializing
    initializing = (async () => {
      if (!hasSession.value) {
        clearSession()
        return
      }
      const remaining = accessExpiresAt.value - Date.now()
      if (!accessToken.value || remaining < REFRESH_LEAD_MS) {
        if (!(await refresh())) return
      } else {
        schedule(remaining - REFRESH_LEAD_MS)
      }
      try {
        await loadMe()
      } catch {
        clearSession()
      }
    })()
    return initializing
  }

  return {
    accessToken,
    hasSession,
    user,
    isLoggedIn,
    isStaff,
    roles,
    hasAnyRole,
    init,
    login,
    logout,
    register,
    refresh,
    loadMe,
    changePassword,
    setSessionExpiredHandler,
  }
})
