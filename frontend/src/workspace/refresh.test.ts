import { describe, expect, it } from 'vitest';
import { clearWorkerCaches } from './refresh';

describe('clearWorkerCaches', () => {
  it('resolves false at once without a worker', async () => {
    expect(await clearWorkerCaches(null)).toBe(false);
  });

  it('resolves true when the worker replies on the port', async () => {
    const sent: unknown[] = [];
    const worker = {
      postMessage(msg: unknown, transfer: Transferable[]) {
        sent.push(msg);
        (transfer[0] as MessagePort).postMessage({ type: 'CACHES_CLEARED' });
      },
    };
    expect(await clearWorkerCaches(worker, 1000)).toBe(true);
    expect(sent).toEqual([{ type: 'CLEAR_CACHES' }]);
  });

  it('gives up after the timeout when the worker stays silent', async () => {
    const started = Date.now();
    expect(await clearWorkerCaches({ postMessage() {} }, 30)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
