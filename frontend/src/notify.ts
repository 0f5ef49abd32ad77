/**
 * "Command finished" notifications in the browser.
 *
 * - Web Push: the service worker (public/sw.js) is registered on every page; the settings
 *   toggle asks for permission (a user gesture), subscribes with the server's VAPID key and
 *   POSTs the subscription. While permission is granted, each page load re-sends it (the
 *   server may have lost it, or its key may have changed).
 * - In-page, when push is off: a `(●) ` title marker and a short beep while the page is
 *   hidden, a toast when it is visible but on another session.
 */
import { request } from './api';
import type { NotificationMsg } from './protocol';
import { errorText } from './errorText';

export const PUSH_KEY = 'termbeam-push-subscribed';
export const TITLE_MARK = '(●) ';

export function pushSupported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

/** What the service worker forwards instead of a system notification while we are focused. */
export interface PushPayload {
  title?: string;
  body?: string;
  url?: string;
  sessionId?: string;
}

const focusedPushListeners = new Set<(p: PushPayload) => void>();

/** Hear pushes that arrive while a window of the app is focused; returns an unsubscribe. */
export function onFocusedPush(listener: (p: PushPayload) => void): () => void {
  focusedPushListeners.add(listener);
  return () => focusedPushListeners.delete(listener);
}

/** The service worker badges the app icon on a push; seeing the app is reading it. */
function clearBadgeWhenVisible(): void {
  const nav = navigator as Navigator & { clearAppBadge?: () => Promise<void> };
  if (!nav.clearAppBadge) return;
  const clear = () => {
    if (document.visibilityState === 'visible') nav.clearAppBadge?.().catch(() => {});
  };
  clear();
  document.addEventListener('visibilitychange', clear);
}

export function registerServiceWorker(): void {
  clearBadgeWhenVisible();
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (ev: MessageEvent) => {
    const data: unknown = ev.data;
    if (!data || typeof data !== 'object' || (data as { type?: unknown }).type !== 'termbeam-push') return;
    const payload = (data as { payload?: unknown }).payload;
    if (payload && typeof payload === 'object') focusedPushListeners.forEach((l) => l(payload as PushPayload));
  });
  navigator.serviceWorker
    .register('/sw.js', { scope: '/' })
    .then(() => syncPush())
    .catch(() => {
      /* http on a LAN address: no service worker, the in-page path still works */
    });
}

/** The VAPID key (base64url) as the bytes PushManager.subscribe wants. */
export function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  const b64 = (text + '='.repeat((4 - (text.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(raw.length));
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

function sameKey(sub: PushSubscription, key: Uint8Array): boolean {
  const current = sub.options.applicationServerKey;
  if (!current) return false;
  const bytes = new Uint8Array(current);
  return bytes.length === key.length && bytes.every((b, i) => b === key[i]);
}

function storeFlag(on: boolean): void {
  try {
    if (on) localStorage.setItem(PUSH_KEY, '1');
    else localStorage.removeItem(PUSH_KEY);
  } catch {
    /* storage blocked */
  }
}

export function pushWanted(): boolean {
  try {
    return localStorage.getItem(PUSH_KEY) === '1';
  } catch {
    return false;
  }
}

async function subscribe(reg: ServiceWorkerRegistration): Promise<void> {
  const { publicKey } = await request<{ publicKey: string }>('/api/push/vapid-key');
  const key = base64UrlToBytes(publicKey);
  let sub = await reg.pushManager.getSubscription();
  if (sub && !sameKey(sub, key)) {
    await sub.unsubscribe();
    sub = null;
  }
  sub ??= await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  await request('/api/push/subscribe', { method: 'POST', body: { subscription: sub.toJSON() } });
}

/** Ask permission (call from a click) and subscribe; throws with a message for the user. */
export async function enablePush(): Promise<void> {
  if (!pushSupported()) throw new Error('This browser cannot receive push notifications here (it needs https).');
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error('Notifications are blocked for this site.');
  const reg = await navigator.serviceWorker.ready;
  try {
    await subscribe(reg);
  } catch (err) {
    const detail = errorText(err);
    throw new Error(`Could not subscribe to push notifications: ${detail}`);
  }
  storeFlag(true);
}

export async function disablePush(): Promise<void> {
  storeFlag(false);
  if (!pushSupported()) return;
  const reg = await navigator.serviceWorker.getRegistration('/');
  const sub = await reg?.pushManager.getSubscription();
  if (!sub) return;
  const endpoint = sub.endpoint;
  await sub.unsubscribe().catch(() => false);
  await request('/api/push/unsubscribe', { method: 'DELETE', body: { endpoint } }).catch(() => {});
}

/** On page load: re-send a wanted subscription (quietly: no prompt, errors ignored). */
async function syncPush(): Promise<void> {
  if (!pushWanted() || !pushSupported() || Notification.permission !== 'granted') return;
  try {
    await subscribe(await navigator.serviceWorker.ready);
  } catch {
    /* offline, or the push service is unreachable: the in-page path still works */
  }
}

// ---- in-page path --------------------------------------------------------------------

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** One line for a toast or the Notification API: "✓ make — exit 0 — 12s — session api". */
export function describe(msg: NotificationMsg): string {
  const name = msg.sessionName ?? 'a session';
  if (msg.command === undefined || msg.exitCode === undefined) return `Command finished in ${name}`;
  const parts = [`${msg.exitCode === 0 ? '✓' : '✗'} ${msg.command}`, `exit ${msg.exitCode}`];
  if (msg.durationMs !== undefined) parts.push(formatDuration(msg.durationMs));
  return [...parts, `session ${name}`].join(' — ');
}

export function markTitle(title: string): string {
  return title.startsWith(TITLE_MARK) ? title : TITLE_MARK + title;
}

export function unmarkTitle(title: string): string {
  return title.startsWith(TITLE_MARK) ? title.slice(TITLE_MARK.length) : title;
}

function beep(): void {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 440;
    gain.gain.value = 0.1;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.15);
    osc.onended = () => void ctx.close();
  } catch {
    /* no audio until the user interacted with the page */
  }
}

let unmarkInstalled = false;

/**
 * React to a WS notification in the page. Returns a toast text when one should be shown
 * (visible, but about another session), else null.
 */
export function inPageNotify(msg: NotificationMsg, currentSession: string | null): string | null {
  if (document.visibilityState === 'hidden') {
    document.title = markTitle(document.title);
    if (!unmarkInstalled) {
      unmarkInstalled = true;
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible') document.title = unmarkTitle(document.title);
      });
    }
    beep();
    // With push on, the service worker shows the system notification: no duplicate here.
    if (!pushWanted() && 'Notification' in window && Notification.permission === 'granted') {
      try {
        new Notification(describe(msg), { tag: `termbeam-${msg.sessionId ?? ''}-${msg.timestamp ?? ''}` });
      } catch {
        /* Android Chrome only allows notifications from the service worker */
      }
    }
    return null;
  }
  return msg.sessionId !== undefined && msg.sessionId !== currentSession ? describe(msg) : null;
}
