/**
 * Pure helpers behind the settings, about, share and banner screens: what a tunnel or update
 * state says to the user, workspace list edits, changelog splitting. No DOM, so unit-tested.
 */
import type { TunnelStatus, UpdateProgress } from '../state/events';
import type { Workspace } from '../state/prefs';

export type Tone = 'info' | 'success' | 'warning' | 'danger';

export interface BannerInfo {
  /** Stable per situation, so a dismissal hides this banner and not the next one. */
  key: string;
  tone: Tone;
  text: string;
  dismissible: boolean;
}

/** "45 s", "25 min", "2 h 5 min". */
export function humanDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
}

/** "4:05" for a countdown. */
export function countdown(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function detail(s: TunnelStatus): string {
  return typeof s.message === 'string' && s.message ? ` ${s.message}` : '';
}

/** What the tunnel banner says for a `tunnel-status` (null: nothing to show). */
export function tunnelBanner(s: TunnelStatus | null): BannerInfo | null {
  if (!s) return null;
  switch (s.state) {
    case 'connected':
      return typeof s.url === 'string' && s.url
        ? { key: `up:${s.url}`, tone: 'success', text: `Tunnel up: ${s.url}`, dismissible: true }
        : null;
    case 'expiring': {
      const left = typeof s.expiresIn === 'number' ? ` in ${humanDuration(s.expiresIn)}` : ' soon';
      return {
        key: 'expiring', tone: 'warning', dismissible: true,
        text: `The tunnel login expires${left}. Sign in again on the host to keep the public URL working.${detail(s)}`,
      };
    }
    case 'auth-expired':
      return {
        key: 'auth-expired', tone: 'danger', dismissible: false,
        text: `The tunnel login expired: the public URL is down until you sign in again on the host.${detail(s)}`,
      };
    case 'reconnecting': {
      const attempt = typeof s.attempt === 'number' && s.attempt > 0 ? ` (attempt ${s.attempt}` : '';
      const retry = typeof s.retryIn === 'number' ? `${attempt ? ', ' : ' ('}next try in ${humanDuration(s.retryIn)})` : attempt ? ')' : '';
      return { key: 'reconnecting', tone: 'warning', dismissible: false, text: `Tunnel connection lost, reconnecting${attempt}${retry}…` };
    }
    case 'disconnected':
      return { key: 'disconnected', tone: 'warning', dismissible: true, text: `The tunnel is disconnected.${detail(s)}` };
    case 'failed':
      return {
        key: 'failed', tone: 'danger', dismissible: true,
        text: `The tunnel could not reconnect and gave up. Only local and LAN addresses work now.${detail(s)}`,
      };
    default:
      return null;
  }
}

export const UPDATE_RUNNING = new Set(['checking-permissions', 'installing', 'verifying']);
export const UPDATE_RESTARTING = new Set(['restarting', 'complete']);

/** What the update banner says for an `update-progress` (null: nothing running). */
export function updateBanner(p: UpdateProgress | null): BannerInfo | null {
  if (!p || p.status === 'idle') return null;
  const to = p.toVersion ? ` ${p.toVersion}` : '';
  if (UPDATE_RUNNING.has(p.status)) {
    return { key: `run:${p.status}`, tone: 'info', dismissible: false, text: `Updating TermBeam: ${p.phase ?? p.status}` };
  }
  if (UPDATE_RESTARTING.has(p.status)) {
    return {
      key: 'restart', tone: 'success', dismissible: false,
      text: `TermBeam${to} is installed. The server is restarting; this page reloads when it is back.`,
    };
  }
  if (p.status === 'failed') {
    return { key: `failed:${p.error ?? ''}`, tone: 'danger', dismissible: true, text: `Update failed: ${p.error ?? 'unknown error'}` };
  }
  return null;
}

/** The list with item `index` moved by `delta` places (clamped to the ends). */
export function moveItem<T>(list: readonly T[], index: number, delta: number): T[] {
  const out = list.slice();
  const to = Math.min(out.length - 1, Math.max(0, index + delta));
  if (index < 0 || index >= out.length || to === index) return out;
  const [item] = out.splice(index, 1);
  out.splice(to, 0, item);
  return out;
}

/** Make `id` the only default workspace (or none, when it already was). */
export function toggleDefaultWorkspace(list: readonly Workspace[], id: string): Workspace[] {
  const already = list.some((w) => w.id === id && w.default);
  return list.map((w) => ({ ...w, default: !already && w.id === id }));
}

export function renameWorkspace(list: readonly Workspace[], id: string, name: string): Workspace[] {
  return list.map((w) => (w.id === id ? { ...w, name } : w));
}

/** A changelog split at its `## ` headings (one per release), preamble dropped. */
export function changelogSections(markdown: string): { title: string; body: string }[] {
  const out: { title: string; body: string }[] = [];
  let current: { title: string; lines: string[] } | null = null;
  for (const line of markdown.split(/\r?\n/)) {
    const m = /^##\s+(.*)$/.exec(line);
    if (m) {
      if (current) out.push({ title: current.title, body: current.lines.join('\n').trim() });
      current = { title: m[1].replace(/\[([^\]]*)\]/g, '$1').trim(), lines: [] };
    } else if (current) {
      current.lines.push(line);
    }
  }
  if (current) out.push({ title: current.title, body: current.lines.join('\n').trim() });
  return out;
}

/** A fresh share token's lifetime (the server's one-time tokens last 5 minutes). */
export const SHARE_TOKEN_SECONDS = 5 * 60;

/** An SVG path drawing the dark modules of a `count`×`count` QR matrix, one unit per module. */
export function qrPath(count: number, isDark: (row: number, col: number) => boolean): string {
  const parts: string[] = [];
  for (let r = 0; r < count; r++) {
    // Runs of dark modules in a row become one rectangle: a much shorter path.
    for (let c = 0; c < count; c++) {
      if (!isDark(r, c)) continue;
      let end = c;
      while (end + 1 < count && isDark(r, end + 1)) end++;
      parts.push(`M${c} ${r}h${end - c + 1}v1h${-(end - c + 1)}z`);
      c = end;
    }
  }
  return parts.join('');
}
