/**
 * Reordering tabs by dragging: a mouse drags at once, a touch after a long-press (which also
 * shows the tab's preview). A swipe along the strip before that scrolls it instead.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { dropIndex } from './tabs';

const LONG_PRESS_MS = 450;
const DRAG_START_PX = 6;

interface Press {
  id: string;
  pointerId: number;
  x: number;
  y: number;
  touch: boolean;
  armed: boolean;
  dragging: boolean;
  timer: ReturnType<typeof setTimeout> | null;
}

export interface TabDragOptions {
  strip: { readonly current: HTMLDivElement | null };
  onMove(id: string, to: number): void;
  showPeek(id: string, target: HTMLElement): void;
  hidePeek(): void;
}

export function useTabDrag({ strip, onMove, showPeek, hidePeek }: TabDragOptions) {
  const press = useRef<Press | null>(null);
  const suppressClick = useRef(false);
  const dropAt = useSignal<number | null>(null);
  const dragging = useSignal<string | null>(null);

  // While a touch drag is armed, stop the strip from scrolling under the finger.
  useEffect(() => {
    const el = strip.current;
    if (!el) return;
    const block = (e: TouchEvent) => {
      if (press.current?.armed) e.preventDefault();
    };
    el.addEventListener('touchmove', block, { passive: false });
    return () => el.removeEventListener('touchmove', block);
  }, []);

  const boxes = () => Array.from(strip.current?.querySelectorAll<HTMLElement>('.ws-tab') ?? []).map((n) => n.getBoundingClientRect());

  const endPress = () => {
    const p = press.current;
    if (p?.timer) clearTimeout(p.timer);
    press.current = null;
    dragging.value = null;
    dropAt.value = null;
  };

  const onPointerDown = (e: PointerEvent, id: string) => {
    if (e.button !== 0) return;
    const touch = e.pointerType !== 'mouse';
    const p: Press = { id, pointerId: e.pointerId, x: e.clientX, y: e.clientY, touch, armed: !touch, dragging: false, timer: null };
    const target = e.currentTarget as HTMLElement;
    if (touch) {
      p.timer = setTimeout(() => {
        p.armed = true;
        p.timer = null;
        navigator.vibrate?.(10);
        showPeek(id, target);
      }, LONG_PRESS_MS);
    }
    press.current = p;
  };

  const onPointerMove = (e: PointerEvent) => {
    const p = press.current;
    if (!p || e.pointerId !== p.pointerId) return;
    const moved = Math.hypot(e.clientX - p.x, e.clientY - p.y);
    if (!p.armed) {
      if (moved > DRAG_START_PX) endPress(); // a swipe along the strip, not a drag
      return;
    }
    if (!p.dragging) {
      if (moved < DRAG_START_PX) return;
      p.dragging = true;
      dragging.value = p.id;
      hidePeek();
      (e.currentTarget as HTMLElement).setPointerCapture?.(p.pointerId);
    }
    dropAt.value = dropIndex(boxes(), e.clientX);
  };

  const onPointerUp = (e: PointerEvent) => {
    const p = press.current;
    if (!p || e.pointerId !== p.pointerId) return;
    if (p.dragging) {
      suppressClick.current = true;
      if (dropAt.value !== null) onMove(p.id, dropAt.value);
    } else if (p.touch && p.armed) {
      suppressClick.current = true; // the long-press showed the preview; leave it up
    }
    endPress();
  };

  /** A click that ends a drag or a long-press is not a selection: true when it is one of those. */
  const swallowClick = () => {
    if (!suppressClick.current) return false;
    suppressClick.current = false;
    return true;
  };

  return {
    dragging: dragging.value,
    dropAt: dropAt.value,
    touchPress: () => press.current?.touch ?? false,
    onPointerDown,
    onPointerMove,
    onPointerUp,
    endPress,
    swallowClick,
  };
}
