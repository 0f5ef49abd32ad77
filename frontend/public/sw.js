/*
 * TermBeam service worker: shows "command finished" push notifications and opens the
 * session on click. It caches nothing and never intercepts requests (no fetch handler),
 * so pages and the API always come from the server.
 */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

function parsePush(event) {
  try {
    const data = event.data ? event.data.json() : null;
    if (data && typeof data === 'object') return data;
  } catch {
    /* not JSON: fall through */
  }
  return { title: 'Command finished', body: '', url: '/' };
}

async function showPush(payload) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const focused = windows.filter((w) => w.focused);
  if (focused.length) {
    // Someone is looking at the app: the page shows a toast instead of a system notification.
    for (const w of focused) w.postMessage({ type: 'termbeam-push', payload });
    return;
  }
  await self.registration.showNotification(payload.title || 'Command finished', {
    body: payload.body || '',
    tag: payload.tag,
    renotify: Boolean(payload.tag),
    vibrate: [200, 100, 200],
    data: { url: typeof payload.url === 'string' ? payload.url : '/' },
  });
  if (self.navigator.setAppBadge) self.navigator.setAppBadge(1).catch(() => {});
}

self.addEventListener('push', (event) => event.waitUntil(showPush(parsePush(event))));

async function openUrl(url) {
  const target = new URL(url, self.location.origin);
  if (target.origin !== self.location.origin) return;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const same = windows.find((w) => new URL(w.url).href === target.href);
  if (same) return same.focus();
  const any = windows[0];
  if (any) {
    const focused = await any.focus();
    return focused.navigate ? focused.navigate(target.href) : focused;
  }
  return self.clients.openWindow(target.href);
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = (event.notification.data && event.notification.data.url) || '/';
  event.waitUntil(openUrl(url));
});
