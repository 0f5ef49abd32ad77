/**
 * The copy view (lazy-loaded from the Copy key): the terminal buffer as selectable plain
 * text, full screen, scrolled to the end, with "Copy all". Touch selection inside xterm's
 * canvas is unreliable on phones; ordinary text is not.
 */
import type { Terminal } from '@xterm/xterm';
import { useLayoutEffect, useMemo, useRef } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import { Sheet } from '../ui/Sheet';
import { bufferText } from './buffertext';
import './copy.css';

export interface CopyViewProps {
  term: Terminal | null;
  onClose: () => void;
}

/** Copy through a selection and execCommand, for browsers without (or denying) the async API. */
function copyBySelection(el: HTMLElement): boolean {
  const range = document.createRange();
  range.selectNodeContents(el);
  const sel = window.getSelection();
  sel?.removeAllRanges();
  sel?.addRange(range);
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

export default function CopyView({ term, onClose }: CopyViewProps) {
  // A snapshot: output arriving while the user selects would move the selection.
  const text = useMemo(() => (term ? bufferText(term.buffer.active) : ''), []);
  const pre = useRef<HTMLPreElement>(null);
  const status = useSignal('');

  useLayoutEffect(() => {
    const el = pre.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    const body = el.closest('.sheet-body');
    if (body) body.scrollTop = body.scrollHeight;
  }, []);

  const copyAll = async () => {
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      ok = !!pre.current && copyBySelection(pre.current);
    }
    status.value = ok ? 'Copied' : 'Copy was blocked: select the text and use the system menu';
  };

  return (
    <Sheet
      title="Copy text"
      wide
      onClose={onClose}
      class="copy-sheet"
      actions={
        <button type="button" class="btn primary" onClick={() => void copyAll()}>
          Copy all
        </button>
      }
    >
      <p class="copy-status" role="status">
        {status.value}
      </p>
      <pre ref={pre} class="copy-text" tabIndex={0} aria-label="Terminal text">
        {text || ' '}
      </pre>
    </Sheet>
  );
}
