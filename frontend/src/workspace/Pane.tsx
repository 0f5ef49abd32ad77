/**
 * One terminal pane: hosts a TerminalView's xterm, and draws its status on top — the small
 * "Reconnecting…" bar, the connection-lost overlay with a countdown (both say "Server
 * restarted" when the server closed saying so), the short "session kept" notice after a
 * reattach to a restarted server, the "Session ended" overlay and the scroll-to-bottom button.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useLayoutEffect, useRef } from 'preact/hooks';
import type { TerminalView } from '../terminal/view';
import { handlePasteEvent } from '../keybar/paste';
import { SPINNER_FRAMES, SPINNER_FRAME_MS } from '../terminal/startup';

export interface PaneProps {
  view: TerminalView;
  /** The session's name, for the pane's accessible label. */
  name: string;
  visible: boolean;
  /** 0 = primary, 1 = the split partner (CSS order). */
  slot: number;
  focused: boolean;
  background: string;
  /** Give the terminal the keyboard as soon as it is on screen (a tab was just chosen). */
  wantFocus: boolean;
  /** The wanted focus was given. */
  onFocusTaken(): void;
  onFocus(): void;
  onNewSession(): void;
}

function Countdown({ view }: { view: TerminalView }) {
  const now = useSignal(Date.now());
  useEffect(() => {
    const t = setInterval(() => (now.value = Date.now()), 500);
    return () => clearInterval(t);
  }, []);
  const at = view.conn.retryAt;
  const secs = at === null ? 0 : Math.max(0, Math.ceil((at - now.value) / 1000));
  return <p class="muted">{secs > 0 ? `Retrying in ${secs} s…` : 'Connecting…'}</p>;
}

/** "⠋ starting shell…": mounted only while the first connect is slow, so its timer is too. */
function StartingSpinner() {
  const frame = useSignal(0);
  useEffect(() => {
    const t = setInterval(() => (frame.value = (frame.value + 1) % SPINNER_FRAMES.length), SPINNER_FRAME_MS);
    return () => clearInterval(t);
  }, []);
  return (
    <div class="ws-starting" role="status">
      <span class="ws-starting-glyph" aria-hidden="true">
        {SPINNER_FRAMES[frame.value]}
      </span>{' '}
      starting shell…
    </div>
  );
}

export function Pane({ view, name, visible, slot, focused, background, wantFocus, onFocusTaken, onFocus, onNewSession }: PaneProps) {
  const host = useRef<HTMLDivElement>(null);

  // Layout effects run right after the render that follows a tab click, before the browser
  // handles the next key: the terminal exists and has the focus by then, so no keystroke typed
  // straight after the click lands on the tab button.
  useLayoutEffect(() => {
    if (host.current) view.open(host.current);
  }, [view]);
  useLayoutEffect(() => {
    if (!wantFocus || !visible) return;
    view.focus();
    onFocusTaken();
  }, [wantFocus, visible, view]);

  const end = view.ended.value;
  const lost = view.overlay.value && !end;
  const restarting = view.serverRestarting.value;
  return (
    <section
      class={`ws-pane${visible ? '' : ' hidden'}${focused ? ' focused' : ''}`}
      style={{ order: slot }}
      aria-label={`Terminal ${name}`}
      data-session-id={view.sessionId}
      onPointerDown={onFocus}
      onFocusCapture={onFocus}
    >
      {view.reconnecting.value && !end && !lost && (
        <div class="ws-reconnect-bar" role="status">
          {restarting ? 'Server restarted — reconnecting…' : 'Reconnecting…'}
        </div>
      )}
      {view.restartNotice.value && !end && !lost && !view.reconnecting.value && (
        <div class="ws-restart-notice" role="status">
          Server restarted — session kept
        </div>
      )}
      {view.starting.value && !end && !lost && !view.reconnecting.value && <StartingSpinner />}
      {view.notice.value && (
        <p class="error banner" role="alert">
          {view.notice.value}
        </p>
      )}
      <div
        class="term-host"
        ref={host}
        style={{ background }}
        onClick={() => view.focus()}
        // An image pasted from the keyboard or the OS menu is uploaded and its path typed;
        // text pastes fall through to xterm (which honours bracketed paste).
        onPasteCapture={(e) =>
          handlePasteEvent(e, { send: (d) => view.send(d), term: view.term, onError: (m) => (view.notice.value = m) })
        }
      />
      {view.scrolledUp.value && !end && (
        <button type="button" class="btn ws-to-bottom" aria-label="Scroll to bottom" title="Scroll to bottom" onClick={() => {
            view.scrollToBottom();
            // Keep typing where you were; on touch screens that would pop the keyboard up.
            if (!window.matchMedia('(pointer: coarse)').matches) view.focus();
          }}>
          ↓
        </button>
      )}
      {lost && (
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby={`lost-${view.sessionId}`}>
          <div class="overlay-card">
            <h2 id={`lost-${view.sessionId}`}>{restarting ? 'Server restarted' : 'Connection lost'}</h2>
            <Countdown view={view} />
            <button type="button" class="btn primary" onClick={() => view.conn.retryNow()}>
              Retry now
            </button>
            <a class="btn" href="/">
              Back to sessions
            </a>
          </div>
        </div>
      )}
      {end && (
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby={`ended-${view.sessionId}`}>
          <div class="overlay-card">
            <h2 id={`ended-${view.sessionId}`}>{end.kind === 'exit' ? 'Session ended' : 'Session not found'}</h2>
            {end.kind === 'exit' && end.code !== null && <p class="muted">Exit code {end.code}</p>}
            <a class="btn primary" href="/">
              Back to sessions
            </a>
            <button type="button" class="btn" onClick={onNewSession}>
              New session
            </button>
          </div>
        </div>
      )}
    </section>
  );
}
