/**
 * The touch key bar under the terminal: an 8-column grid of 1–3 rows from prefs.touchBarKeys
 * (the defaults when null), sticky modifiers, auto-repeating arrows, copy view, paste and
 * voice input. Keys never take focus from the terminal, so the soft keyboard stays up.
 */
import type { Terminal } from '@xterm/xterm';
import type { ComponentType } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import { prefs, updatePrefs, type TouchKey } from '../state/prefs';
import type { PanelProps } from '../ui/panels';
import { cursorMode, isArrowKey, modifyKey } from './encode';
import { ACTION_SEND, effectiveKeys, keyLabel, keyName, keyStyle, layoutKeys, type PlacedKey } from './keys';
import { modStates, sticky } from './sticky';
import { pasteFromClipboard } from './paste';
import { speechSupported, startDictation, type Dictation } from './voice';
import { PasteDialog } from './PasteDialog';
import type { CopyViewProps } from './CopyView';
import './keybar.css';

export interface KeyBarProps {
  /** Send bytes to the session (already encoded). */
  send: (data: string) => void;
  /** The live terminal (buffer for the copy view, modes for bracketed paste), or null. */
  term: Terminal | null;
  sessionId: string;
}

export const REPEAT_DELAY_MS = 400;
export const REPEAT_INTERVAL_MS = 80;
const LONG_PRESS_MS = 650;
const TOAST_MS = 3500;

type Overlay = 'copy' | 'editor' | 'paste' | null;

function haptic(): void {
  try {
    if (prefs.value.haptics && typeof navigator.vibrate === 'function') navigator.vibrate(15);
  } catch {
    /* vibration blocked (e.g. no user gesture yet) */
  }
}

/** Keep the soft keyboard up: a pointerdown that is not cancelled would move focus. */
const keepFocus = (e: Event) => e.preventDefault();

export function KeyBar({ send, term, sessionId }: KeyBarProps) {
  const termRef = useRef(term);
  termRef.current = term;
  const sendRef = useRef(send);
  sendRef.current = send;

  const overlay = useSignal<Overlay>(null);
  const Lazy = useSignal<{ copy?: ComponentType<CopyViewProps>; editor?: ComponentType<PanelProps> }>({});
  const toast = useSignal<string | null>(null);
  const listening = useSignal(false);
  const dictation = useRef<Dictation | null>(null);
  const repeat = useRef<{ timer: ReturnType<typeof setTimeout> | null; interval: ReturnType<typeof setInterval> | null }>({ timer: null, interval: null });
  const longPress = useRef<{ timer: ReturnType<typeof setTimeout> | null; fired: boolean }>({ timer: null, fired: false });
  const toastTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const micOk = speechSupported();

  const say = (text: string) => {
    toast.value = text;
    if (toastTimer.current) clearTimeout(toastTimer.current);
    toastTimer.current = setTimeout(() => (toast.value = null), TOAST_MS);
  };

  const stopRepeat = () => {
    const r = repeat.current;
    if (r.timer) clearTimeout(r.timer);
    if (r.interval) clearInterval(r.interval);
    r.timer = r.interval = null;
    window.removeEventListener('pointerup', stopRepeat);
    window.removeEventListener('blur', stopRepeat);
  };
  const cancelLongPress = () => {
    if (longPress.current.timer) clearTimeout(longPress.current.timer);
    longPress.current.timer = null;
  };

  useEffect(
    () => () => {
      stopRepeat();
      cancelLongPress();
      dictation.current?.stop();
      if (toastTimer.current) clearTimeout(toastTimer.current);
    },
    [],
  );

  /** A payload with the sticky modifiers and the terminal's cursor mode applied. */
  const encode = (payload: string): string => {
    const appCursor = termRef.current?.modes.applicationCursorKeysMode ?? false;
    const mods = sticky.consume();
    return modifyKey(payload, mods, appCursor) ?? cursorMode(payload, appCursor);
  };

  const open = async (which: 'copy' | 'editor') => {
    try {
      if (which === 'copy' && !Lazy.value.copy) {
        const m = await import('./CopyView');
        Lazy.value = { ...Lazy.value, copy: m.default };
      } else if (which === 'editor' && !Lazy.value.editor) {
        const m = await import('./KeyEditorPanel');
        Lazy.value = { ...Lazy.value, editor: m.default };
      }
      overlay.value = which;
    } catch {
      say('Could not load that view. Check the connection.');
    }
  };

  const paste = () => {
    pasteFromClipboard({ send: (d) => sendRef.current(d), term: termRef.current })
      .then((outcome) => {
        if (outcome === 'denied') overlay.value = 'paste';
        else if (outcome === 'empty') say('The clipboard is empty');
      })
      .catch((err: unknown) => say(err instanceof Error ? err.message : 'Paste failed'));
  };

  const toggleMic = () => {
    if (!micOk) return say('Voice input is not supported in this browser');
    if (dictation.current) {
      dictation.current.stop();
      return;
    }
    const d = startDictation(
      (text) => sendRef.current(text),
      (error) => {
        dictation.current = null;
        listening.value = false;
        if (error) say(error);
      },
    );
    if (!d) return say('Could not start voice input');
    dictation.current = d;
    listening.value = true;
  };

  const press = (k: TouchKey) => {
    haptic();
    if (k.modifier) {
      sticky.tap(k.modifier, performance.now());
      return;
    }
    if (k.action === 'copy') return void open('copy');
    if (k.action === 'paste') return paste();
    if (k.action === 'mic') return toggleMic();
    const payload = k.send || (k.action ? ACTION_SEND[k.action] : undefined);
    if (payload) sendRef.current(encode(payload));
  };

  /** Arrows repeat while held: one send now, then every REPEAT_INTERVAL_MS after a delay. */
  const startRepeat = (payload: string) => {
    stopRepeat();
    haptic();
    const data = encode(payload);
    sendRef.current(data);
    // A release the key never sees (a sheet opened over it, the app lost focus) still stops it.
    window.addEventListener('pointerup', stopRepeat);
    window.addEventListener('blur', stopRepeat);
    repeat.current.timer = setTimeout(() => {
      repeat.current.interval = setInterval(() => sendRef.current(data), REPEAT_INTERVAL_MS);
    }, REPEAT_DELAY_MS);
  };

  const onPointerDown = (e: PointerEvent, k: TouchKey, repeats: boolean) => {
    e.preventDefault();
    if (e.button !== 0) return;
    if (repeats) return startRepeat(k.send!);
    longPress.current.fired = false;
    cancelLongPress();
    longPress.current.timer = setTimeout(() => {
      longPress.current.fired = true;
      haptic();
      void open('editor');
    }, LONG_PRESS_MS);
  };
  const onPointerEnd = () => {
    stopRepeat();
    cancelLongPress();
  };
  const onClick = (e: MouseEvent, k: TouchKey, repeats: boolean) => {
    // Pointer presses of repeating keys were sent on pointerdown; keyboard clicks have detail 0.
    if (repeats && e.detail !== 0) return;
    if (longPress.current.fired) {
      longPress.current.fired = false;
      if (e.detail !== 0) return; // the release of the long-press that opened the editor
    }
    press(k);
  };

  const collapsed = prefs.value.touchBarCollapsed;
  const placed = layoutKeys(effectiveKeys(prefs.value.touchBarKeys));
  const rows = placed.reduce((n, p) => Math.max(n, p.row), 0);
  const mods = modStates.value;

  const renderKey = ({ key: k, row, col, span }: PlacedKey) => {
    const repeats = !k.modifier && !k.action && !!k.send && isArrowKey(k.send);
    const style = keyStyle(k);
    const modState = k.modifier ? mods[k.modifier] : null;
    const mic = k.action === 'mic';
    const cls = ['kb-key', `kb-${style}`, modState && modState !== 'off' ? `kb-${modState}` : '', mic && listening.value ? 'kb-listening' : '', mic && !micOk ? 'kb-unavailable' : '']
      .filter(Boolean)
      .join(' ');
    const title = k.modifier
      ? `${keyName(k)}: tap for the next key, double-tap to lock`
      : mic && !micOk
        ? 'Voice input is not supported in this browser'
        : mic
          ? 'Tap to dictate, tap again to stop'
          : undefined;
    return (
      <button
        key={k.id}
        type="button"
        class={cls}
        style={{
          gridRow: row,
          gridColumn: `${col} / span ${span}`,
          ...(style === 'custom' ? { background: k.bg, color: k.color, borderColor: k.bg } : {}),
        }}
        aria-label={modState === 'locked' ? `${keyName(k)} (locked)` : keyName(k)}
        aria-pressed={modState ? modState !== 'off' : mic ? listening.value : undefined}
        aria-disabled={mic && !micOk ? 'true' : undefined}
        title={title}
        data-key={k.id}
        onPointerDown={(e) => onPointerDown(e, k, repeats)}
        onPointerUp={onPointerEnd}
        onPointerCancel={onPointerEnd}
        onPointerLeave={onPointerEnd}
        onContextMenu={keepFocus}
        onClick={(e) => onClick(e, k, repeats)}
      >
        {keyLabel(k)}
      </button>
    );
  };

  const close = () => (overlay.value = null);
  const CopyView = Lazy.value.copy;
  const Editor = Lazy.value.editor;
  return (
    <>
      <nav class={`keybar${collapsed ? ' collapsed' : ''}`} aria-label="Terminal keys">
        <div class="keybar-handle">
          <button
            type="button"
            class="keybar-toggle"
            aria-expanded={!collapsed}
            aria-label={collapsed ? 'Show keys' : 'Hide keys'}
            title={collapsed ? 'Show keys' : 'Hide keys'}
            onPointerDown={keepFocus}
            onClick={() => updatePrefs({ touchBarCollapsed: !collapsed })}
          >
            <span class="keybar-grip" aria-hidden="true" />
          </button>
          {!collapsed && (
            <button
              type="button"
              class="keybar-gear"
              aria-label="Customize keys"
              title="Customize keys (or long-press a key)"
              onPointerDown={keepFocus}
              onClick={() => void open('editor')}
            >
              ⚙
            </button>
          )}
        </div>
        {!collapsed && (
          <div class="keybar-grid" style={{ gridTemplateRows: `repeat(${rows}, auto)` }}>
            {placed.map(renderKey)}
          </div>
        )}
        {toast.value && (
          <p class="keybar-toast" role="status">
            {toast.value}
          </p>
        )}
      </nav>
      {overlay.value === 'copy' && CopyView && <CopyView term={termRef.current} onClose={close} />}
      {overlay.value === 'editor' && Editor && <Editor sessionId={sessionId} onClose={close} send={send} />}
      {overlay.value === 'paste' && <PasteDialog ctx={{ send: (d) => sendRef.current(d), term: termRef.current }} onClose={close} />}
    </>
  );
}
