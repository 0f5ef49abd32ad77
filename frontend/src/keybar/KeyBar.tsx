/**
 * The touch key bar under the terminal: an 8-column grid of 1–3 rows from prefs.touchBarKeys
 * (the defaults when null), sticky modifiers, auto-repeating arrows, copy view, paste and
 * voice input. Keys never take focus from the terminal, so the soft keyboard stays up.
 */
import type { Terminal } from '@xterm/xterm';
import { useRef } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import { errorText } from '../errorText';
import { prefs, updatePrefs, type TouchKey } from '../state/prefs';
import { Toast, useToast } from '../ui/toast';
import { useLazy } from '../ui/useLazy';
import { cursorMode, modifyKey } from './encode';
import { haptic, keepFocus } from './feedback';
import { ACTION_SEND, effectiveKeys, layoutKeys } from './keys';
import { KeyButton } from './KeyButton';
import { modStates, sticky } from './sticky';
import { pasteFromClipboard } from './paste';
import { PasteDialog } from './PasteDialog';
import { useDictation } from './useDictation';
import { usePointerKeys } from './usePointerKeys';
import './keybar.css';

export { REPEAT_DELAY_MS, REPEAT_INTERVAL_MS } from './usePointerKeys';

export interface KeyBarProps {
  /** Send bytes to the session (already encoded). */
  send: (data: string) => void;
  /** The live terminal (buffer for the copy view, modes for bracketed paste), or null. */
  term: Terminal | null;
  sessionId: string;
}

const TOAST_MS = 3500;

type Overlay = 'copy' | 'editor' | 'paste' | null;

function Handle({ collapsed, onEdit }: { collapsed: boolean; onEdit: () => void }) {
  return (
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
        <button type="button" class="keybar-gear" aria-label="Customize keys" title="Customize keys (or long-press a key)" onPointerDown={keepFocus} onClick={onEdit}>
          ⚙
        </button>
      )}
    </div>
  );
}

export function KeyBar({ send, term, sessionId }: KeyBarProps) {
  const termRef = useRef(term);
  termRef.current = term;
  const sendRef = useRef(send);
  sendRef.current = send;

  const overlay = useSignal<Overlay>(null);
  const copyView = useLazy(() => import('./CopyView').then((m) => m.default));
  const editor = useLazy(() => import('./KeyEditorPanel').then((m) => m.default));
  const toast = useToast(TOAST_MS);
  const say = toast.show;
  const mic = useDictation((text) => sendRef.current(text), say);

  /** A payload with the sticky modifiers and the terminal's cursor mode applied. */
  const encode = (payload: string): string => {
    const appCursor = termRef.current?.modes.applicationCursorKeysMode ?? false;
    const mods = sticky.consume();
    return modifyKey(payload, mods, appCursor) ?? cursorMode(payload, appCursor);
  };

  const open = async (which: 'copy' | 'editor') => {
    try {
      await (which === 'copy' ? copyView : editor).load();
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
      .catch((err: unknown) => say(errorText(err, 'Paste failed')));
  };

  const press = (k: TouchKey) => {
    haptic();
    if (k.modifier) {
      sticky.tap(k.modifier, performance.now());
      return;
    }
    if (k.action === 'copy') return void open('copy');
    if (k.action === 'paste') return paste();
    if (k.action === 'mic') return mic.toggle();
    const payload = k.send || (k.action ? ACTION_SEND[k.action] : undefined);
    if (payload) sendRef.current(encode(payload));
  };

  const pointer = usePointerKeys({
    sendOnce: (payload) => {
      const data = encode(payload);
      sendRef.current(data);
      return data;
    },
    resend: (data) => sendRef.current(data),
    press,
    longPress: () => void open('editor'),
    lockMic: () => mic.lock(),
  });

  const collapsed = prefs.value.touchBarCollapsed;
  const placed = layoutKeys(effectiveKeys(prefs.value.touchBarKeys));
  const rows = placed.reduce((n, p) => Math.max(n, p.row), 0);
  const mods = modStates.value;
  const close = () => (overlay.value = null);
  const CopyView = copyView.value.value;
  const Editor = editor.value.value;
  return (
    <>
      <nav class={`keybar${collapsed ? ' collapsed' : ''}`} aria-label="Terminal keys">
        <Handle collapsed={collapsed} onEdit={() => void open('editor')} />
        {!collapsed && (
          <div class="keybar-grid" style={{ gridTemplateRows: `repeat(${rows}, auto)` }}>
            {placed.map((p) => (
              <KeyButton key={p.key.id} placed={p} modState={p.key.modifier ? mods[p.key.modifier] : null} mic={mic} pointer={pointer} />
            ))}
          </div>
        )}
        <Toast toaster={toast} class="keybar-toast" />
      </nav>
      {overlay.value === 'copy' && CopyView && <CopyView term={termRef.current} onClose={close} />}
      {overlay.value === 'editor' && Editor && <Editor sessionId={sessionId} onClose={close} send={send} />}
      {overlay.value === 'paste' && <PasteDialog ctx={{ send: (d) => sendRef.current(d), term: termRef.current }} onClose={close} />}
    </>
  );
}
