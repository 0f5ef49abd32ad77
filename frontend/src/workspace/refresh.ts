/**
 * "Refresh app": ask the service worker to drop its caches, then reload. A missing or
 * unresponsive worker must not block the reload, so the wait is capped.
 */
export const REFRESH_WAIT_MS = 800;

export interface CacheWorker {
  postMessage(message: unknown, transfer: Transferable[]): void;
}

/** Resolves true once the worker confirms, false without a worker or after `timeoutMs`. */
export function clearWorkerCaches(worker: CacheWorker | null | undefined, timeoutMs = REFRESH_WAIT_MS): Promise<boolean> {
  if (!worker) return Promise.resolve(false);
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    const timer = setTimeout(() => finish(false), timeoutMs);
    function finish(ok: boolean): void {
      clearTimeout(timer);
      channel.port1.close();
      resolve(ok);
    }
    channel.port1.onmessage = () => finish(true);
    try {
      worker.postMessage({ type: 'CLEAR_CACHES' }, [channel.port2]);
    } catch {
      finish(false);
    }
  });
}

export async function refreshApp(reload: () => void): Promise<void> {
  const worker = typeof navigator !== 'undefined' && 'serviceWorker' in navigator ? navigator.serviceWorker.controller : null;
  await clearWorkerCaches(worker);
  reload();
}
