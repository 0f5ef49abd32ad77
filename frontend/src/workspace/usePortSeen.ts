/**
 * Whether the focused session has printed a local dev-server URL (GET detect-port), so a phone's
 * crowded top bar shows Preview only when there is something to preview. Asked once when the
 * session is focused and again when its output goes quiet after a burst, until a port is seen;
 * never per chunk.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { api } from '../api';
import type { TerminalView } from '../terminal/view';

/** Output quiet for this long after a burst: ask the server again. */
export const PORT_RECHECK_MS = 1_000;

export function usePortSeen(sessionId: string, view: TerminalView | null): boolean {
  const seen = useSignal(false);
  const known = useRef(new Set<string>());

  useEffect(() => {
    seen.value = known.current.has(sessionId);
    if (seen.peek()) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let live = true;
    const check = () => {
      timer = null;
      api.detectPort(sessionId).then(
        (r) => {
          if (!live || !r.detected) return;
          known.current.add(sessionId);
          seen.value = true;
          stop?.();
        },
        () => {},
      );
    };
    check();
    const stop = view?.watchOutput(() => {
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(check, PORT_RECHECK_MS);
    });
    return () => {
      live = false;
      if (timer !== null) clearTimeout(timer);
      stop?.();
    };
  }, [sessionId, view]);

  return seen.value;
}
