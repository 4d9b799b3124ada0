import { dismissProblem } from './problem'
import createClient, { type Middleware } from 'openapi-fetch'
import type { paths } from './schema'

/** Hooks the auth store installs, so this module does not import the store (no cycle). */
export interface AuthHooks {
  getAccessToken(): string | null
  /** Refresh the access token; resolves false when the session is over. */
  refresh(): Promise<boolean>
}

let hooks: AuthHooks = {
  getAccessToken: () => null,
  refresh: async () => false,
}

export function configureAuth(h: AuthHooks): void {
  hooks = h
}

// Calls that must never trigger a refresh-and-retry (they are the refresh machinery itself).
const NO_RETRY = /\/auth\/(token|refresh|logout)$/

// Calls that hand out or take a refresh token. The header asks the API to deliver it in its HttpOnly cookie
// (never readable here, so never in localStorage) rather than in the body; it is also the CSRF check the API
// requires before it accepts a refresh token from the cookie (README, Security).
const COOKIE_DELIVERY = /\/auth\/(token|refresh|logout|password)$/
export const TOKEN_DELIVERY_HEADER = 'X-Token-Delivery'

const bearer: Middleware = {
  onRequest({ request }) {
    const token = hooks.getAccessToken()
    if (token && !request.headers.has('Authorization')) {
      request.headers.set('Authorization', `Bearer ${token}`)
    }
    if (COOKIE_DELIVERY.test(new URL(request.url).pathname)) {
      request.headers.set(TOKEN_DELIVERY_HEADER, 'cookie')
    }
    return request
  },
}

/** fetch that, on a 401 for a request that carried a token, refreshes once and retries once. */
async function fetchWithRefresh(request: Request): Promise<Response> {
  const sent = request.headers.get('Authorization')
  const canRetry = !!sent && !NO_RETRY.test(new URL(request.url).pathname)
  const spare = canRetry ? request.clone() : null
  const response = await fetch(request, { credentials: 'same-origin' })
  if (response.status !== 401 || !spare) return response
  // Another request may already have refreshed the token while this one was in flight.
  const current = hooks.getAccessToken()
  const ok = current && `Bearer ${current}` !== sent ? true : await hooks.refresh()
  const token = hooks.getAccessToken()
  if (!ok || !token) return response
  spare.headers.set('Authorization', `Bearer ${token}`)
  return fetch(spare, { credentials: 'same-origin' })
}

export const api = createClient<paths>({ baseUrl: '', fetch: fetchWithRefresh })
api.use(bearer)
// A write that succeeded makes the error toast of an earlier attempt stale.
api.use({
  onResponse({ request, response }) {
    if (response.ok && request.method !== 'GET' && request.method !== 'HEAD') dismissProblem()
    return undefined
  },
})

export type ApiClient = typeof api
