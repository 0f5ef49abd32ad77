/**
 * The session drawer: a panel sliding in from the left that lists every session as a compact
 * card (colour, name, unread dot, shell · cwd, git badge) so phones, where the tab strip
 * overflows, can still see and reach every session. Tapping a card switches tab; the footer
 * starts a new session or resumes an agent session. Closes on Esc, backdrop tap, a left
 * swipe and its close button; focus moves in on open and back to the opener on close.
 */
import { useEffect, useId, useRef } from 'preact/hooks';
import { GitBadge } from '../hub/GitBadge';
import { cardParts, isSwipeClose, type DrawerSession } from './drawer';
import { useModalFocus } from '../ui/focusTrap';
import { Watchers } from './Watchers';
import { ActivityLine } from '../terminal/ActivityLine';
import { LazyDrawerRecording } from '../recordings/lazy';
import './drawer.css';

export type { DrawerSession };

export interface SessionDrawerProps {
  sessions: DrawerSession[];
  active: string;
  onSelect(id: string): void;
  onCloseSession(id: string): void;
  onNew(): void;
  onResume(): void;
  onDismiss(): void;
  /** Open the current session's recordings (#19). */
  onRecordings(): void;
}

function Card({ s, current, onSelect, onClose }: { s: DrawerSession; current: boolean; onSelect(): void; onClose(): void }) {
  const parts = cardParts(s.shell, s.cwd);
  const descId = useId();
  return (
    <li class={`drawer-card${current ? ' current' : ''}`} style={{ '--session-color': s.color || 'var(--accent)' }}>
      <button
        type="button"
        class="drawer-card-main"
        aria-label={`Switch to ${s.name}`}
        aria-current={current ? 'page' : undefined}
        aria-describedby={s.recording ? `${descId}-rec ${descId}` : descId}
        data-session-id={s.id}
        onClick={onSelect}
      >
        <span class="drawer-card-line">
          <span class="drawer-dot" aria-hidden="true" />
          <span class="drawer-name">{s.name}</span>
          {s.recording && <span class="rec-dot" id={`${descId}-rec`} role="img" aria-label="Recording" title="Recording" />}
          {s.unread && <span class="drawer-unread" role="img" aria-label="New output" title="New output" />}
        </span>
        <span class="drawer-meta" id={descId}>
          {s.ended ? (
            <span class="drawer-where">Session ended</span>
          ) : (
            (parts.shell || parts.where) && (
              <span class="drawer-where">
                {parts.shell && <span class="drawer-shell">{parts.shell}</span>}
                {parts.shell && parts.where && <span aria-hidden="true"> · </span>}
                {/* Long paths lose their start, like the hub's: the last folders tell them apart. */}
                {parts.where && (
                  <span class="drawer-cwd" title={s.cwd}>
                    <bdi>{parts.where}</bdi>
                  </span>
                )}
              </span>
            )
          )}
          <GitBadge git={s.git} class="small drawer-git" />
        </span>
      </button>
      <button type="button" class="btn icon drawer-card-close" aria-label={`Close session ${s.name}`} title="Close session" onClick={onClose}>
        ×
      </button>
    </li>
  );
}

export function SessionDrawer({ sessions, active, onSelect, onCloseSession, onNew, onResume, onDismiss, onRecordings }: SessionDrawerProps) {
  const box = useRef<HTMLDivElement>(null);
  const swipe = useRef<{ id: number; x: number; y: number } | null>(null);
  const titleId = useId();
  const current = sessions.find((s) => s.id === active && !s.ended);

  useModalFocus(box, onDismiss, '.drawer-card.current .drawer-card-main'); // modal: Tab stays inside

  // Closing a session removes the focused × with its card: keep focus inside the drawer.
  useEffect(() => {
    const el = box.current;
    if (el && !el.contains(document.activeElement)) {
      (el.querySelector<HTMLElement>('.drawer-card.current .drawer-card-main') ?? el).focus();
    }
  }, [sessions.length]);

  const onPointerDown = (e: PointerEvent) => {
    if (e.pointerType !== 'mouse') swipe.current = { id: e.pointerId, x: e.clientX, y: e.clientY };
  };
  const onPointerUp = (e: PointerEvent) => {
    const g = swipe.current;
    swipe.current = null;
    if (g && g.id === e.pointerId && isSwipeClose(e.clientX - g.x, e.clientY - g.y)) onDismiss();
  };

  return (
    <div class="drawer-backdrop" onClick={(e) => e.target === e.currentTarget && onDismiss()}>
      <div
        ref={box}
        class="drawer"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onPointerDown={onPointerDown}
        onPointerUp={onPointerUp}
        onPointerCancel={() => (swipe.current = null)}
      >
        <header class="drawer-head">
          <h2 id={titleId}>Sessions</h2>
          <span class="drawer-count">{sessions.length}</span>
          <a class="btn drawer-hub" href="/">
            All sessions
          </a>
          <button type="button" class="btn icon" aria-label="Close sessions panel" title="Close (Esc)" onClick={onDismiss}>
            ×
          </button>
        </header>
        <ul class="drawer-list" aria-label="Open sessions">
          {sessions.map((s) => (
            <Card key={s.id} s={s} current={s.id === active} onSelect={() => onSelect(s.id)} onClose={() => onCloseSession(s.id)} />
          ))}
        </ul>
        {current && <ActivityLine sessionId={current.id} name={current.name} />}
        {current && <Watchers sessionId={current.id} name={current.name} />}
        {current && (
          <LazyDrawerRecording
            sessionId={current.id}
            name={current.name}
            recording={current.recording}
            recordingInput={current.recordingInput}
            onList={onRecordings}
          />
        )}
        <footer class="drawer-foot">
          <button type="button" class="btn primary" onClick={onNew}>
            + New session
          </button>
          <button type="button" class="btn" onClick={onResume}>
            Resume agent session
          </button>
        </footer>
      </div>
    </div>
  );
}
