/** Minimal touch key row (Esc, Tab, Ctrl-C, arrows) for phones; keeps focus in the terminal. */
import type { RefObject } from 'preact';
import type { Terminal } from '@xterm/xterm';

interface Key {
  label: string;
  aria: string;
  seq: (appCursor: boolean) => string;
  cls?: string;
}

const arrow = (c: string) => (app: boolean) => (app ? `\x1bO${c}` : `\x1b[${c}`);

export const KEYS: Key[] = [
  { label: 'Esc', aria: 'Escape', seq: () => '\x1b' },
  { label: 'Tab', aria: 'Tab', seq: () => '\t' },
  { label: '^C', aria: 'Control C', seq: () => '\x03', cls: 'danger' },
  { label: '←', aria: 'Arrow left', seq: arrow('D') },
  { label: '↑', aria: 'Arrow up', seq: arrow('A') },
  { label: '↓', aria: 'Arrow down', seq: arrow('B') },
  { label: '→', aria: 'Arrow right', seq: arrow('C') },
];

export function KeyRow({ term, onKey }: { term: RefObject<Terminal | null>; onKey: (seq: string) => void }) {
  return (
    <nav class="keyrow" aria-label="Terminal keys">
      {KEYS.map((k) => (
        <button
          key={k.label}
          type="button"
          class={`key ${k.cls ?? ''}`}
          aria-label={k.aria}
          // pointerdown + preventDefault keeps the soft keyboard and terminal focus.
          onPointerDown={(e) => e.preventDefault()}
          onClick={() => onKey(k.seq(term.current?.modes.applicationCursorKeysMode ?? false))}
        >
          {k.label}
        </button>
      ))}
    </nav>
  );
}
