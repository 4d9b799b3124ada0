// Staff downloads need the bearer token, so they go through the API client and a blob URL.
import { api } from '@/api/client'
import { showProblem, unwrap } from '@/api/problem'

export async function downloadVersionAttachment(versionId: number, a: { id: number; filename: string }): Promise<void> {
  try {
    const blob = await unwrap(
      api.GET('/api/v1/disclosure-versions/{version_id}/attachments/{attachment_id}', {
        params: { path: { version_id: versionId, attachment_id: a.id } },
        parseAs: 'blob',
      }),
    )
    const url = URL.createObjectURL(blob as Blob)
    const link = document.createElement('a')
    link.href = url
    link.download = a.filename
    link.click()
    setTimeout(() => URL.revokeObjectURL(url), 10_000)
  } catch (e) {
    showProblem(e)
  }
}
