/** The page address and title for the selected tab. Pure. */

export function terminalPath(id: string): string {
  return `/terminal?id=${encodeURIComponent(id)}`;
}

export function pageTitle(sessionName: string | undefined): string {
  return sessionName === undefined ? 'TermBeam' : `${sessionName} — TermBeam`;
}
