/** Where a user lands after signing in: staff in the workspace, the public on the portal. */
export function homeFor(kind: string | undefined): string {
  return kind === 'staff' ? '/workspace' : '/'
}
