/**
 * One session on the hub: colour stripe, name, unread dot, a "restored" mark when the session
 * outlived a server restart, shell, PID, live cwd, git badge (provider, repository, branch,
 * status), activity age and connected clients. On touch screens a left swipe slides the card open to
 * reveal Delete; the ✕ button does the same for keyboards and mice.
 */
import { useSignal } from '@preact/signals';
import { useId, useRef } from 'preact/hooks';
import type { SessionInfo } from '../api';
import { GitBadge } from './GitBadge';
import { gitBadgeParts } from './gitbadge';
import { formatAge, shellName, shortenPath, toMillis } from './format';

export function terminalUrl(id: string): string {
  return `/terminal?id=${encodeURIComponent(id)}`;
}

export const RESTORED_LABEL = 'Restored after a server restart';

/** How far the card slides to uncover the Delete button, and how far a swipe must go to stay open. */
const REVEAL_PX = 96;
const OPEN_AT_PX = 48;
/** Movement before a touch counts as a swipe (and not a tap or a scroll). */
const SLOP_PX = 10;

export interface SessionCardProps {
  s: SessionInfo;
  home: string | null;
  now: number;
  unread: boolean;
  agent: string | null;
  removing: boolean;
  onOpen: (s: SessionInfo) => void;
  onDelete: (s: SessionInfo) => void;
}

export function SessionCard({ s, home, now, unread, agent, removing, onOpen, onDelete }: SessionCardProps) {
  const dx = useSignal(0);
  const open = useSignal(false);
  const dragging = useSignal(false);
  const gesture = useRef<{ id: number; x: number; y: number; base: number; swiping: boolean } | null>(null);
  const swallowClick = useRef(false);
  const detailsId = useId();

  const settle = (to: number) => {
    open.value = to !== 0;
    dx.value = to;
  };

  const onPointerDown = (e: PointerEvent) => {
    if (e.pointerType === 'mouse') return;
    gesture.current = { id: e.pointerId, x: e.clientX, y: e.clientY, base: dx.value, swiping: false };
  };
  const onPointerMove = (e: PointerEvent) => {
    const g = gesture.current;
    if (!g || g.id !== e.pointerId) return;
    const mx = e.clientX - g.x;
    const my = e.clientY - g.y;
    if (!g.swiping) {
      if (Math.abs(my) > SLOP_PX && Math.abs(my) > Math.abs(mx)) {
        gesture.current = null; // a vertical scroll: leave it to the browser
        return;
      }
      if (Math.abs(mx) < SLOP_PX) return;
      g.swiping = true;
      dragging.value = true;
      (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    }
    dx.value = Math.max(-REVEAL_PX - 24, Math.min(0, g.base + mx));
  };
  const onPointerEnd = (e: PointerEvent) => {
    const g = gesture.current;
    gesture.current = null;
    if (!g || g.id !== e.pointerId) return;
    dragging.value = false;
    if (!g.swiping) return;
    swallowClick.current = true; // the synthetic click after a swipe must not open the session
    settle(dx.value < -OPEN_AT_PX ? -REVEAL_PX : 0);
  };

  const onCardClick = (e: MouseEvent) => {
    if (swallowClick.current || open.value) {
      swallowClick.current = false;
      e.preventDefault();
      if (open.value) settle(0);
      return;
    }
    onOpen(s);
  };

  const at = toMillis(s.lastActivity) ?? toMillis(s.createdAt);
  const hasGit = gitBadgeParts(s.git) !== null;
  const cls = `card${open.value ? ' swiped' : ''}${dragging.value ? ' dragging' : ''}${removing ? ' removing' : ''}${unread ? ' unread' : ''}`;
  return (
    <li class={cls} style={{ '--session-color': s.color || 'var(--accent)' }}>
      <div class="card-under">
        <button
          type="button"
          class="card-swipe-delete"
          tabIndex={open.value ? 0 : -1}
          aria-hidden={!open.value}
          onClick={() => {
            settle(0);
            onDelete(s);
          }}
        >
          Delete
        </button>
      </div>
      <div
        class="card-face"
        style={{ transform: dx.value ? `translateX(${dx.value}px)` : undefined }}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerEnd}
        onPointerCancel={onPointerEnd}
      >
        <a
          class="card-main"
          href={terminalUrl(s.id)}
          aria-label={`Open session ${s.name}`}
          aria-describedby={`${unread ? `${detailsId}-new ` : ''}${s.recording ? `${detailsId}-rec ` : ''}${s.restored ? `${detailsId}-restored ` : ''}${detailsId}-age ${detailsId}-meta ${detailsId}-cwd${hasGit ? ` ${detailsId}-git` : ''}`}
          onClick={onCardClick}
          draggable={false}
        >
          <span class="card-line">
            <span class="dot" aria-hidden="true" />
            <span class="card-name">{s.name}</span>
            {s.recording && <span class="rec-dot" id={`${detailsId}-rec`} role="img" aria-label="Recording" title="Recording" />}
            {unread && (
              <span class="unread-dot" id={`${detailsId}-new`} role="img" aria-label="New output" title="New output since you last looked" />
            )}
            {s.restored && (
              <span class="card-restored" id={`${detailsId}-restored`} role="img" aria-label={RESTORED_LABEL} title={RESTORED_LABEL}>
                restored
              </span>
            )}
            {at !== null && (
              <time class="card-age" id={`${detailsId}-age`} dateTime={new Date(at).toISOString()} title={new Date(at).toLocaleString()}>
                {formatAge(at, now)}
              </time>
            )}
          </span>
          <span class="card-meta" id={`${detailsId}-meta`}>
            <span>{shellName(s.shell)}</span>
            <span>PID {s.pid}</span>
            {agent && <span class="card-agent">{agent}</span>}
            {s.clients > 0 && (
              <span class="card-clients" title={`${s.clients} connected`}>
                {s.clients} connected
              </span>
            )}
          </span>
          {/* Right-to-left box + isolated LTR text: a long path loses its start, not its end. */}
          <span class="card-cwd" id={`${detailsId}-cwd`} title={s.cwd}>
            <bdi>{shortenPath(s.cwd, home)}</bdi>
          </span>
          <GitBadge git={s.git} id={`${detailsId}-git`} />
        </a>
        <button type="button" class="btn icon card-delete" aria-label={`Delete session ${s.name}`} title="Delete session" onClick={() => onDelete(s)}>
          ✕
        </button>
      </div>
    </li>
  );
}
