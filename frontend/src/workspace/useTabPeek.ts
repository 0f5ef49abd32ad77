/**
 * The tab strip's preview of a tab's last lines: shown after hovering a tab (mouse) or on a
 * long-press (touch), refreshed every second while open, closed by a tap elsewhere or Escape.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';

const HOVER_MS = 600;

export interface Peek {
  id: string;
  left: number;
  lines: string[] | null;
}

export function useTabPeek(preview: (id: string) => string[] | null) {
  const peek = useSignal<Peek | null>(null);
  const hoverTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  // The preview follows the terminal while it is open.
  useEffect(() => {
    const p = peek.value;
    if (!p) return;
    const t = setInterval(() => {
      const cur = peek.value;
      if (cur) peek.value = { ...cur, lines: preview(cur.id) };
    }, 1000);
    const outside = (e: PointerEvent) => {
      if (!(e.target as Element).closest?.('.ws-peek')) peek.value = null;
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && (peek.value = null);
    document.addEventListener('pointerdown', outside);
    document.addEventListener('keydown', onKey);
    return () => {
      clearInterval(t);
      document.removeEventListener('pointerdown', outside);
      document.removeEventListener('keydown', onKey);
    };
  }, [peek.value?.id]);

  const show = (id: string, target: HTMLElement) => {
    const box = target.getBoundingClientRect();
    peek.value = { id, left: Math.max(4, Math.min(box.left, window.innerWidth - 324)), lines: preview(id) };
  };
  const hide = () => {
    if (hoverTimer.current) clearTimeout(hoverTimer.current);
    hoverTimer.current = null;
    peek.value = null;
  };
  /** The pointer came onto a tab: show its preview if it stays a while. */
  const hover = (id: string, target: HTMLElement) => {
    hoverTimer.current = setTimeout(() => show(id, target), HOVER_MS);
  };
  return { peek: peek.value, show, hide, hover };
}
