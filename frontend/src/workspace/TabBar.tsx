/**
 * The workspace's tab strip: one tab per session with its colour dot, name, unread dot and a
 * close button; drag to reorder (mouse: drag; touch: long-press then drag) and a live preview of
 * the tab's last lines on hover or long-press.
 */
import { useEffect, useRef } from 'preact/hooks';
import { useTabDrag } from './useTabDrag';
import { useTabPeek, type Peek } from './useTabPeek';

export interface TabInfo {
  id: string;
  name: string;
  color?: string;
  unread: boolean;
  ended: boolean;
  /** Its output is being recorded (#19). */
  recording?: boolean;
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

function TabPeek({ peek, onClose }: { peek: Peek; onClose: () => void }) {
  return (
    <div class="ws-peek" role="tooltip" style={{ left: `${peek.left}px` }} onClick={onClose}>
      {peek.lines && peek.lines.length > 0 ? <pre>{peek.lines.join('\n')}</pre> : <p class="muted">No preview yet — open the tab to load it.</p>}
    </div>
  );
}

export function TabBar({ tabs, active, partner, onSelect, onClose, onMove, onNew, preview }: TabBarProps) {
  const strip = useRef<HTMLDivElement>(null);
  const peek = useTabPeek(preview);
  const drag = useTabDrag({ strip, onMove, showPeek: peek.show, hidePeek: peek.hide });

  // Keep the selected tab scrolled into view: when it changes, when tabs come, go or are
  // renamed (the list arrives after the first paint), and when the strip or a tab changes width
  // (a phone turned, the bar's buttons came or went, a font loaded). The strip alone scrolls:
  // scrollIntoView could move the page too.
  const shape = tabs.map((t) => `${t.id}:${t.name}`).join('\n');
  useEffect(() => {
    const el = strip.current;
    if (!el) return;
    const reveal = () => {
      const tab = el.querySelector<HTMLElement>('.ws-tab.selected');
      if (!tab) return;
      const s = el.getBoundingClientRect();
      const t = tab.getBoundingClientRect();
      if (t.left < s.left) el.scrollLeft -= s.left - t.left;
      else if (t.right > s.right) el.scrollLeft += Math.min(t.right - s.right, t.left - s.left);
    };
    reveal();
    const ro = new ResizeObserver(reveal);
    ro.observe(el);
    for (const child of Array.from(el.children)) ro.observe(child);
    return () => ro.disconnect();
  }, [active, shape]);

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

  return (
    <div class="ws-tabs-wrap">
      <div class="ws-tabs" role="tablist" aria-label="Sessions" ref={strip}>
        {tabs.map((t, i) => {
          const selected = t.id === active;
          const cls = ['ws-tab', selected && 'selected', t.id === partner && 'partner', drag.dragging === t.id && 'dragging',
            drag.dropAt === i && drag.dragging !== t.id && 'drop-target'].filter(Boolean).join(' ');
          return (
            <div class={cls} key={t.id} data-tab-id={t.id} style={t.color ? { '--session-color': t.color } : undefined}>
              <button
                type="button"
                role="tab"
                class="ws-tab-main"
                aria-selected={selected}
                tabIndex={selected ? 0 : -1}
                title={t.name}
                onPointerDown={(e) => drag.onPointerDown(e, t.id)}
                onPointerMove={drag.onPointerMove}
                onPointerUp={drag.onPointerUp}
                onPointerCancel={drag.endPress}
                onPointerEnter={(e) => e.pointerType === 'mouse' && peek.hover(t.id, e.currentTarget)}
                onPointerLeave={(e) => e.pointerType === 'mouse' && peek.hide()}
                onContextMenu={(e) => drag.touchPress() && e.preventDefault()}
                onKeyDown={(e) => onKeyDown(e, t.id, i)}
                onClick={() => {
                  if (drag.swallowClick()) return;
                  peek.hide();
                  onSelect(t.id);
                }}
              >
                <span class="ws-dot" aria-hidden="true" />
                <span class="ws-tab-name">{t.name}</span>
                {t.recording && <span class="rec-dot" role="img" aria-label="recording" title="Recording" />}
                {t.unread && !selected && <span class="ws-unread" role="img" aria-label="new output" />}
                {t.ended && <span class="visually-hidden"> (ended)</span>}
              </button>
              <button type="button" class="ws-tab-close" aria-label={`Close session ${t.name}`} title="Close session" onClick={() => onClose(t.id)}>
                ×
              </button>
            </div>
          );
        })}
      </div>
      <button type="button" class="btn icon ws-new-tab" aria-label="New session" title="New session" onClick={onNew}>
        +
      </button>
      {peek.peek && <TabPeek peek={peek.peek} onClose={peek.hide} />}
    </div>
  );
}
