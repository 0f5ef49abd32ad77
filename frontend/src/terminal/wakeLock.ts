/** Keeps the screen on while a terminal is shown (Screen Wake Lock API; a no-op where unsupported). */

interface WakeLockSentinelLike {
  release(): Promise<void>;
}
interface WakeLockLike {
  request(type: 'screen'): Promise<WakeLockSentinelLike>;
}

/** Hold the lock until the returned function is called; re-acquired whenever the page becomes visible again. */
export function holdWakeLock(): () => void {
  const wl = (navigator as Navigator & { wakeLock?: WakeLockLike }).wakeLock;
  if (!wl) return () => {};
  let sentinel: WakeLockSentinelLike | null = null;
  let stopped = false;
  const acquire = () => {
    if (stopped || document.visibilityState !== 'visible') return;
    wl.request('screen')
      .then((s) => {
        if (stopped) void s.release().catch(() => {});
        else sentinel = s;
      })
      .catch(() => {
        /* denied (battery saver, not focused, permissions policy): keep going without */
      });
  };
  // The browser drops the lock whenever the page is hidden.
  const onVisible = () => document.visibilityState === 'visible' && acquire();
  document.addEventListener('visibilitychange', onVisible);
  acquire();
  return () => {
    stopped = true;
    document.removeEventListener('visibilitychange', onVisible);
    void sentinel?.release().catch(() => {});
    sentinel = null;
  };
}
