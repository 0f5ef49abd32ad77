/** The view-only link routes (#17): make, list and revoke links, disconnect viewers. */
import { request } from '../api';

export interface ViewLink {
  id: string;
  session: string;
  created: number;
  expiresAt: number;
  viewers: number;
}

export interface Viewer {
  id: string;
  address: string;
  since: number;
  link: string | null;
}

export interface Viewers {
  links: ViewLink[];
  viewers: Viewer[];
}

const base = (sessionId: string) => `/api/sessions/${encodeURIComponent(sessionId)}/viewers`;

export const viewLinks = {
  create: (sessionId: string, expiresIn: string) =>
    request<{ url: string; id: string; expiresAt: number }>(`${base(sessionId)}/link`, { method: 'POST', body: { expiresIn } }),
  list: (sessionId: string) => request<Viewers>(base(sessionId)),
  revoke: (sessionId: string, linkId: string) =>
    request<void>(`${base(sessionId)}/links/${encodeURIComponent(linkId)}`, { method: 'DELETE' }),
  disconnect: (sessionId: string, viewerId: string) =>
    request<void>(`${base(sessionId)}/${encodeURIComponent(viewerId)}`, { method: 'DELETE' }),
};

/** The expiry choices of the share sheet (the server takes 30m/1h/1d/7d-style values). */
export const EXPIRY_CHOICES: ReadonlyArray<{ value: string; label: string }> = [
  { value: '15m', label: '15 minutes' },
  { value: '1h', label: '1 hour' },
  { value: '8h', label: '8 hours' },
  { value: '1d', label: '1 day' },
  { value: '7d', label: '7 days' },
];

export function clock(epochSeconds: number): string {
  return new Date(epochSeconds * 1000).toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' });
}
