/**
 * Drag and drop in the key editor's layout preview, with a mouse or a finger: press a key,
 * move it past a few pixels, and drop it before another key, at the end of a row, or below
 * the last row (a new row). The move buttons stay for keyboards and screen readers.
 */
import { useRef } from 'preact/hooks';
import { MAX_ROWS } from './keys';

/** Movement (CSS px) before a press becomes a drag; below it, it is a tap that selects. */
export const DRAG_START_PX = 8;

export interface Drop {
  r: number;
  i: number;
}

interface Dragging {
  id: string;
  pointerId: number;
  x0: number;
  y0: number;
  moving: boolean;
  el: HTMLElement;
}

/** Where a pointer at (x, y) drops among the preview's keys: a row, and how many of that
 *  row's other keys (the dragged one left out) come before it. */
export function dropTarget(grid: HTMLElement, id: string, x: number, y: number, rowCount: number): Drop | null {
  const keys = [...grid.querySelectorAll<HTMLElement>('[data-key-id]')].filter((el) => el.dataset.keyId !== id);
  const box = grid.getBoundingClientRect();
  if (x < box.left - 40 || x > box.right + 40 || y < box.top - 40) return null;
  const rowsAt = new Map<number, DOMRect[]>();
  for (const el of keys) {
    const r = Number(el.dataset.row);
    rowsAt.set(r, [...(rowsAt.get(r) ?? []), el.getBoundingClientRect()]);
  }
  let r = -1;
  for (const [row, rects] of rowsAt) {
    if (y >= Math.min(...rects.map((b) => b.top)) && y <= Math.max(...rects.map((b) => b.bottom))) r = row;
  }
  if (r < 0) {
    const bottom = Math.max(...keys.map((el) => el.getBoundingClientRect().bottom), box.top);
    if (y > bottom && rowCount < MAX_ROWS) return { r: rowCount, i: 0 };
    if (y > bottom) return null;
    r = 0;
  }
  const before = (rowsAt.get(r) ?? []).filter((b) => b.left + b.width / 2 < x).length;
  return { r, i: before };
}

export function useKeyDrag(onDrop: (id: string, at: Drop) => void, rowCount: () => number) {
  const drag = useRef<Dragging | null>(null);
  /** A drag just ended on this key: the click that may follow must not also select it. */
  const swallowClick = useRef(false);

  const end = (e: PointerEvent, drop: boolean) => {
    const d = drag.current;
    if (!d || e.pointerId !== d.pointerId) return;
    drag.current = null;
    d.el.style.transform = '';
    d.el.classList.remove('ke-dragging');
    if (!d.moving) return;
    swallowClick.current = true;
    const grid = d.el.parentElement;
    const at = drop && grid ? dropTarget(grid, d.id, e.clientX, e.clientY, rowCount()) : null;
    if (!at) return;
    // dropTarget counts the other keys; moveTo's index counts the dragged key where it is.
    const from = { r: Number(d.el.dataset.row), i: Number(d.el.dataset.index) };
    onDrop(d.id, from.r === at.r && from.i <= at.i ? { r: at.r, i: at.i + 1 } : at);
  };

  return {
    onPointerDown: (e: PointerEvent, id: string) => {
      if (e.button !== 0) return;
      swallowClick.current = false;
      const el = e.currentTarget as HTMLElement;
      drag.current = { id, pointerId: e.pointerId, x0: e.clientX, y0: e.clientY, moving: false, el };
      el.setPointerCapture?.(e.pointerId);
    },
    onPointerMove: (e: PointerEvent) => {
      const d = drag.current;
      if (!d || e.pointerId !== d.pointerId) return;
      const dx = e.clientX - d.x0;
      const dy = e.clientY - d.y0;
      if (!d.moving && Math.hypot(dx, dy) < DRAG_START_PX) return;
      d.moving = true;
      d.el.classList.add('ke-dragging');
      d.el.style.transform = `translate(${dx}px, ${dy}px)`;
    },
    onPointerUp: (e: PointerEvent) => end(e, true),
    onPointerCancel: (e: PointerEvent) => end(e, false),
    /** Whether this click is the release of a drag (and so not a tap that selects). */
    takeClick: (): boolean => {
      const swallowed = swallowClick.current;
      swallowClick.current = false;
      return swallowed;
    },
  };
}
