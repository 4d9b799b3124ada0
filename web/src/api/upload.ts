// One way to upload a file: multipart through the shared client, so the bearer token, the
// refresh-and-retry on 401 and problem+json errors apply as for every other call.
import { api } from './client'
import { unwrap } from './problem'
import type { paths } from './schema'

/** The endpoints that take a multipart `file`. */
export type UploadPath = {
  [P in keyof paths]: paths[P] extends { post: { requestBody: { content: { 'multipart/form-data': { file: string } } } } }
    ? P
    : never
}[keyof paths]

type Post<P extends UploadPath> = paths[P]['post']
type PathParams<P extends UploadPath> = Post<P> extends { parameters: { path: infer X } } ? X : never
type Created<P extends UploadPath> = Post<P> extends { responses: infer R }
  ? R extends { 201: { content: { 'application/json': infer T } } }
    ? T
    : R extends { 200: { content: { 'application/json': infer T } } }
      ? T
      : unknown
  : never

type Rest<P extends UploadPath> = PathParams<P> extends Record<string, never> | undefined | never
  ? [pathParams?: PathParams<P>]
  : [pathParams: PathParams<P>]

interface RawResult {
  data?: unknown
  error?: unknown
  response: Response
}
type RawPost = (path: string, init: Record<string, unknown>) => Promise<RawResult>

/**
 * POST `file` as multipart/form-data to an upload endpoint and return its JSON answer; throws ApiError
 * (problem+json: 413 too large, 415 type, 422, 429) like `unwrap`.
 */
export async function uploadFile<P extends UploadPath>(path: P, file: File, ...rest: Rest<P>): Promise<Created<P>> {
  const body = new FormData()
  body.append('file', file)
  const post = api.POST as unknown as RawPost
  const data = await unwrap(
    post(path, {
      params: rest[0] ? { path: rest[0] } : {},
      body,
      // multipart: hand the FormData to fetch as is (the browser sets the boundary)
      bodySerializer: (b: unknown) => b as FormData,
    }),
  )
  return data as Created<P>
}
