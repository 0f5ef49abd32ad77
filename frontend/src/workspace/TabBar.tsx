/**
 * The workspace's tab strip: one tab per session with its colour dot, name, unread dot and a
 * close button; drag to reorder (mouse: drag; touch: long-press then drag) and a live preview of
 * the tab's last lines on hover or long-press.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { dropIndex } from './tabs';

export interface TabInfo {
  id: string;
  name: string;
  color?: string;
  unread: boolean;
  ended: boolean;
}

export interface TabBarProps {
  tabs: TabInfo[];
  active: string;
  /** The other pane in split view (marked, not selected). */
  partner: string | null;
  onSelect(id: string): void;
  onClose(id: string): void;
  /** Move tab `id` to index `to`. */
  onMove(id: string, to: number): void;
  onNew(): void;
  /** The last lines of a tab's terminal, or null when it has none loaded. */
  preview(id: string): string[] | null;
}

const LONG_PRESS_MS = 450;
const HOVER_MS = 600;
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

export function TabBar({ tabs, active, partner, onSelect, onClose, onMove, onNew, preview }: TabBarProps) {
  const strip = useRef<HTMLDivElement>(null);
  const press = useRef<Press | null>(null);
  const suppressClick = useRef(false);
  const dropAt = useSignal<number | null>(null);
  const dragging = useSignal<string | null>(null);
  const peek = useSignal<{ id: string; left: number; lines: string[] | null } | null>(null);
  const hoverTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  // Keep the selected tab scrolled into view.
  useEffect(() => {
    strip.current?.querySelector<HTMLElement>('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [active]);

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

  const boxes = () =>
    Array.from(strip.current?.querySelectorAll<HTMLElement>('.ws-tab') ?? []).map((n) => n.getBoundingClientRect());

  const showPeek = (id: string, target: HTMLElement) => {
    const box = target.getBoundingClientRect();
    peek.value = { id, left: Math.max(4, Math.min(box.left, window.innerWidth - 324)), lines: preview(id) };
  };
  const hidePeek = () => {
    if (hoverTimer.current) clearTimeout(hoverTimer.current);
    hoverTimer.current = null;
    peek.value = null;
  };

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

  const onKeyDown = (e: KeyboardEvent, id: string, index: number) => {
    // Arrow keys move between tabs; Ctrl/Alt+Shift+arrow moves the tab itself.
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    const delta = e.key === 'ArrowLeft' ? -1 : 1;
    if (e.shiftKey && (e.ctrlKey || e.altKey)) {
      onMove(id, Math.max(0, index + delta));
      return;
    }
    const next = tabs[(index + delta + tabs.length) % tabs.length];
    if (next) {
      onSelect(next.id);
      requestAnimationFrame(() => strip.current?.querySelector<HTMLElement>(`[data-tab-id="${CSS.escape(next.id)}"] [role="tab"]`)?.focus());
    }
  };

  const p = peek.value;
  return (
    <div class="ws-tabs-wrap">
      <div class="ws-tabs" role="tablist" aria-label="Sessions" ref={strip}>
        {tabs.map((t, i) => {
          const selected = t.id === active;
          const cls = ['ws-tab', selected && 'selected', t.id === partner && 'partner', dragging.value === t.id && 'dragging',
            dropAt.value === i && dragging.value !== t.id && 'drop-target'].filter(Boolean).join(' ');
          return (
            <div class={cls} key={t.id} data-tab-id={t.id} style={t.color ? { '--session-color': t.color } : undefined}>
              <button
                type="button"
                role="tab"
                class="ws-tab-main"
                aria-selected={selected}
                tabIndex={selected ? 0 : -1}
                title={t.name}
                onPointerDown={(e) => onPointerDown(e, t.id)}
                onPointerMove={onPointerMove}
                onPointerUp={onPointerUp}
                onPointerCancel={endPress}
                onPointerEnter={(e) => {
                  if (e.pointerType !== 'mouse') return;
                  const target = e.currentTarget;
                  hoverTimer.current = setTimeout(() => showPeek(t.id, target), HOVER_MS);
                }}
                onPointerLeave={(e) => e.pointerType === 'mouse' && hidePeek()}
                onContextMenu={(e) => press.current?.touch && e.preventDefault()}
                onKeyDown={(e) => onKeyDown(e, t.id, i)}
                onClick={() => {
                  if (suppressClick.current) {
                    suppressClick.current = false;
                    return;
                  }
                  hidePeek();
                  onSelect(t.id);
                }}
              >
                <span class="ws-dot" aria-hidden="true" />
                <span class="ws-tab-name">{t.name}</span>
                {t.unread && !selected && (
                  <span class="ws-unread" role="img" aria-label="new output" />
                )}
                {t.ended && <span class="visually-hidden"> (ended)</span>}
              </button>
              <button
                type="button"
                class="ws-tab-close"
                aria-label={`Close session ${t.name}`}
                title="Close session"
                onClick={() => onClose(t.id)}
              >
                ×
              </button>
            </div>
          );
        })}
      </div>
      <button type="button" class="btn icon ws-new-tab" aria-label="New session" title="New session" onClick={onNew}>
        +
      </button>
      {p && (
        <div class="ws-peek" role="tooltip" style={{ left: `${p.left}px` }} onClick={hidePeek}>
          {p.lines && p.lines.length > 0 ? <pre>{p.lines.join('\n')}</pre> : <p class="muted">No preview yet — open the tab to load it.</p>}
        </div>
      )}
    </div>
  );
}
