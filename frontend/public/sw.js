/*
 * TermBeam service worker.
 * - Push: shows "command finished" notifications and opens the session on click.
 * - Offline speed-up: the build's hashed files under /assets/ (immutable by name) are served
 *   cache-first. Nothing else is touched: pages, /api/, /ws, /preview/ and everything else go
 *   straight to the network (a cached page could be a stale login or tunnel interstitial).
 */
const ASSET_CACHE = 'termbeam-assets-v1';
/** Old builds' files pile up under new hashes; keep only the most recent ones. */
const MAX_ASSETS = 80;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((n) => n !== ASSET_CACHE).map((n) => caches.delete(n))))
      .then(() => self.clients.claim()),
  );
});

function isAsset(request) {
  if (request.method !== 'GET' || request.mode === 'navigate') return false;
  const url = new URL(request.url);
  return url.origin === self.location.origin && url.pathname.startsWith('/assets/');
}

async function trim(cache) {
  const keys = await cache.keys();
  await Promise.all(keys.slice(0, Math.max(0, keys.length - MAX_ASSETS)).map((k) => cache.delete(k)));
}

async function cacheFirst(request) {
  const cache = await caches.open(ASSET_CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') {
    await cache.put(request, response.clone());
    trim(cache).catch(() => {});
  }
  return response;
}

self.addEventListener('fetch', (event) => {
  // Not calling respondWith leaves the request to the browser, exactly as with no worker.
  if (isAsset(event.request)) event.respondWith(cacheFirst(event.request));
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'CLEAR_CACHES') {
    // "Refresh app" waits for this reply (on the transferred port) before it reloads.
    const port = event.ports && event.ports[0];
    const reply = (ok) => port && port.postMessage({ type: 'CACHES_CLEARED', ok });
    event.waitUntil(
      caches
        .keys()
        .then((names) => Promise.all(names.map((n) => caches.delete(n))))
        .then(() => reply(true), () => reply(false)),
    );
  }
});

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
