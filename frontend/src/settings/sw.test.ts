/**
 * The service worker (public/sw.js) run against a stand-in `self`: which requests it answers
 * (only same-origin /assets/ GETs) and which it leaves to the network.
 */
import { describe, expect, it } from 'vitest';
import code from '../../public/sw.js?raw';

type Handler = (event: unknown) => void;

function loadWorker() {
  const handlers = new Map<string, Handler>();
  const self = {
    location: { origin: 'https://host.example' },
    addEventListener: (type: string, fn: Handler) => handlers.set(type, fn),
    skipWaiting: () => undefined,
    clients: { claim: async () => undefined },
  };
  const cache = { match: async () => undefined, put: async () => undefined, keys: async () => [] };
  const caches = { open: async () => cache, keys: async () => [], delete: async () => true };
  new Function('self', 'caches', 'fetch', code)(self, caches, async () => new Response(''));
  return handlers;
}

function intercepted(url: string, init: { method?: string; mode?: string } = {}): boolean {
  const fetchHandler = loadWorker().get('fetch');
  let answered = false;
  fetchHandler?.({
    request: { url, method: init.method ?? 'GET', mode: init.mode ?? 'cors' },
    respondWith: (answer: Promise<Response>) => {
      answered = true;
      void answer.catch(() => undefined);
    },
  });
  return answered;
}

describe('service worker fetch policy', () => {
  it('answers hashed assets', () => {
    expect(intercepted('https://host.example/assets/index-abc123.js')).toBe(true);
    expect(intercepted('https://host.example/assets/index-abc123.css', { mode: 'no-cors' })).toBe(true);
  });
  it('never touches pages, the API, the socket or other origins', () => {
    expect(intercepted('https://host.example/', { mode: 'navigate' })).toBe(false);
    expect(intercepted('https://host.example/terminal?id=x', { mode: 'navigate' })).toBe(false);
    expect(intercepted('https://host.example/login')).toBe(false);
    expect(intercepted('https://host.example/api/sessions')).toBe(false);
    expect(intercepted('https://host.example/api/assets/x')).toBe(false);
    expect(intercepted('https://host.example/ws')).toBe(false);
    expect(intercepted('https://host.example/preview/3000/assets/app.js')).toBe(false);
    expect(intercepted('https://host.example/sw.js')).toBe(false);
    expect(intercepted('https://cdn.example/assets/x.js')).toBe(false);
    expect(intercepted('https://host.example/assets/x.js', { method: 'POST' })).toBe(false);
  });
  it('keeps its push and click handlers', () => {
    const handlers = loadWorker();
    for (const type of ['install', 'activate', 'push', 'notificationclick', 'message']) expect(handlers.has(type), type).toBe(true);
  });
});
