/**
 * The touch-bar key model: the default layout, the catalogue of named escape sequences the
 * editor offers, grid placement, screen-reader names and validation against the server's
 * limits (termbeam_py/prefs.py). Pure: no DOM, no signals.
 */
import type { KeyAction, KeyModifier, KeyStyle, TouchKey } from '../state/prefs';
import { ESC } from './encode';

export const COLS = 8;
export const MAX_ROWS = 3;
export const MAX_KEYS = 32;
export const MAX_LABEL = 16;
export const MAX_SEND = 64;
export const MAX_ID = 64;
export const MODIFIERS: KeyModifier[] = ['ctrl', 'alt', 'shift', 'meta'];
export const ACTIONS: KeyAction[] = ['mic', 'copy', 'paste', 'cancel', 'newline'];
export const STYLES: KeyStyle[] = ['plain', 'accent', 'danger', 'custom'];
const HEX_COLOR = /^#[0-9a-fA-F]{3,8}$/;

/** The original's layout: two rows of eight. */
export const DEFAULT_KEYS: TouchKey[] = [
  { id: 'esc', label: 'Esc', send: ESC, row: 1, col: 1 },
  { id: 'copy', label: 'Copy', action: 'copy', row: 1, col: 2 },
  { id: 'paste', label: 'Paste', action: 'paste', row: 1, col: 3 },
  { id: 'home', label: 'Home', send: `${ESC}[H`, row: 1, col: 4 },
  { id: 'end', label: 'End', send: `${ESC}[F`, row: 1, col: 5 },
  { id: 'up', label: '↑', send: `${ESC}[A`, row: 1, col: 6 },
  { id: 'enter', label: '↵', send: '\r', style: 'accent', size: 2, row: 1, col: 7 },
  { id: 'ctrl', label: 'Ctrl', modifier: 'ctrl', row: 2, col: 1 },
  { id: 'shift', label: 'Shift', modifier: 'shift', row: 2, col: 2 },
  { id: 'tab', label: 'Tab', send: '\t', row: 2, col: 3 },
  { id: 'ctrl-c', label: '^C', send: '\x03', style: 'danger', row: 2, col: 4 },
  { id: 'left', label: '←', send: `${ESC}[D`, row: 2, col: 5 },
  { id: 'down', label: '↓', send: `${ESC}[B`, row: 2, col: 6 },
  { id: 'right', label: '→', send: `${ESC}[C`, row: 2, col: 7 },
  { id: 'mic', label: 'Mic', action: 'mic', row: 2, col: 8 },
];

/** What the non-modifier actions send (mic, copy and paste are handled by the bar). */
export const ACTION_SEND: Partial<Record<KeyAction, string>> = {
  cancel: '\x03',
  // Ctrl+J: a newline inside agent prompts; Enter in a shell.
  newline: '\n',
};

export interface NamedSequence {
  group: string;
  name: string;
  /** A short label for a key that sends it. */
  label: string;
  send: string;
}

const FKEY_SENDS = [
  `${ESC}OP`, `${ESC}OQ`, `${ESC}OR`, `${ESC}OS`,
  `${ESC}[15~`, `${ESC}[17~`, `${ESC}[18~`, `${ESC}[19~`,
  `${ESC}[20~`, `${ESC}[21~`, `${ESC}[23~`, `${ESC}[24~`,
];

function buildCatalogue(): NamedSequence[] {
  const keys: [string, string, string][] = [
    ['Escape', 'Esc', ESC],
    ['Tab', 'Tab', '\t'],
    ['Shift+Tab', '⇤', `${ESC}[Z`],
    ['Enter', '↵', '\r'],
    ['Backspace', '⌫', '\x7f'],
    ['Arrow up', '↑', `${ESC}[A`],
    ['Arrow down', '↓', `${ESC}[B`],
    ['Arrow right', '→', `${ESC}[C`],
    ['Arrow left', '←', `${ESC}[D`],
    ['Home', 'Home', `${ESC}[H`],
    ['End', 'End', `${ESC}[F`],
    ['Page up', 'PgUp', `${ESC}[5~`],
    ['Page down', 'PgDn', `${ESC}[6~`],
    ['Insert', 'Ins', `${ESC}[2~`],
    ['Delete', 'Del', `${ESC}[3~`],
  ];
  const out: NamedSequence[] = keys.map(([name, label, send]) => ({ group: 'Keys', name, label, send }));
  FKEY_SENDS.forEach((send, i) => out.push({ group: 'Function keys', name: `F${i + 1}`, label: `F${i + 1}`, send }));
  for (let c = 0; c < 26; c++) {
    const letter = String.fromCharCode(65 + c);
    out.push({ group: 'Ctrl', name: `Control ${letter}`, label: `^${letter}`, send: String.fromCharCode(c + 1) });
  }
  return out;
}

/** Named sequences for the editor's picker and for screen-reader names of symbol keys. */
export const SEQUENCES: NamedSequence[] = buildCatalogue();

const MOD_NAMES: Record<KeyModifier, string> = { ctrl: 'Control', alt: 'Alt', shift: 'Shift', meta: 'Meta' };
const ACTION_NAMES: Record<KeyAction, string> = {
  mic: 'Voice input',
  copy: 'Copy terminal text',
  paste: 'Paste',
  cancel: 'Cancel (Control C)',
  newline: 'New line',
};

/** A human name for a payload: the catalogue's name, "Alt X", or null for plain text. */
export function sequenceName(send: string): string | null {
  const known = SEQUENCES.find((s) => s.send === send);
  if (known) return known.name;
  if (send.length === 2 && send[0] === ESC && send[1] >= ' ') return `Alt ${send[1]}`;
  return null;
}

/** What a screen reader announces for a key: symbols get names, words stay as they are. */
export function keyName(k: TouchKey): string {
  if (k.modifier) return MOD_NAMES[k.modifier];
  if (k.action) return ACTION_NAMES[k.action];
  const named = k.send !== undefined ? sequenceName(k.send) : null;
  return named ?? (k.label || 'Key');
}

/** The label to draw: the key's own, or a fallback from its payload/action/modifier. */
export function keyLabel(k: TouchKey): string {
  if (k.label) return k.label;
  if (k.modifier) return MOD_NAMES[k.modifier];
  if (k.action) return k.action[0].toUpperCase() + k.action.slice(1);
  const known = k.send !== undefined ? SEQUENCES.find((s) => s.send === k.send) : undefined;
  return known?.label ?? k.send ?? '?';
}

/** The style class of a key; legacy stored styles map onto the four current ones. */
export function keyStyle(k: TouchKey): KeyStyle {
  const s = k.style;
  if (s === 'accent' || s === 'danger' || s === 'custom') return s;
  if (s === 'enter') return 'accent';
  return 'plain';
}

export interface PlacedKey {
  key: TouchKey;
  row: number;
  col: number;
  span: number;
}

/** Whole columns a key spans (the server allows fractional sizes; the grid does not). */
export function keySpan(k: TouchKey): number {
  const size = typeof k.size === 'number' && Number.isFinite(k.size) ? Math.round(k.size) : 1;
  return Math.min(COLS, Math.max(1, size));
}

/**
 * Grid placement: keys keep their row (1–3), are ordered by column and pushed right past any
 * overlap; keys that no longer fit in eight columns are left out. Empty rows collapse.
 */
export function layoutKeys(keys: TouchKey[]): PlacedKey[] {
  const rows = new Map<number, TouchKey[]>();
  keys.forEach((k) => {
    const r = Number.isInteger(k.row) && k.row! >= 1 && k.row! <= MAX_ROWS ? k.row! : 1;
    rows.set(r, [...(rows.get(r) ?? []), k]);
  });
  const out: PlacedKey[] = [];
  let visualRow = 0;
  for (const r of [...rows.keys()].sort((a, b) => a - b)) {
    // A stable sort keeps stored order for keys without a column.
    const list = rows.get(r)!.map((k, i) => ({ k, i }));
    list.sort((a, b) => (a.k.col ?? COLS + 1) - (b.k.col ?? COLS + 1) || a.i - b.i);
    let next = 1;
    const placed: PlacedKey[] = [];
    for (const { k } of list) {
      const span = keySpan(k);
      const col = Math.max(next, Number.isInteger(k.col) ? k.col! : next);
      if (col + span - 1 > COLS) continue;
      placed.push({ key: k, row: 0, col, span });
      next = col + span;
    }
    if (placed.length === 0) continue;
    visualRow += 1;
    placed.forEach((p) => out.push({ ...p, row: visualRow }));
  }
  return out;
}

/** The keys to show: the stored layout, or the defaults when none is stored (or it is empty). */
export function effectiveKeys(stored: TouchKey[] | null | undefined): TouchKey[] {
  return stored && stored.length > 0 ? stored : DEFAULT_KEYS;
}

const codePoints = (s: string) => [...s].length;

/** Problems that would make the server drop or trim something; empty when the layout is valid. */
export function validateKeys(keys: TouchKey[]): string[] {
  const errors: string[] = [];
  if (keys.length > MAX_KEYS) errors.push(`At most ${MAX_KEYS} keys (there are ${keys.length}).`);
  const ids = new Set<string>();
  const used = new Map<number, number[]>();
  keys.forEach((k, i) => {
    const name = k.label ? `“${k.label}”` : `Key ${i + 1}`;
    if (!k.id || codePoints(k.id) > MAX_ID) errors.push(`${name}: missing or too long id.`);
    else if (ids.has(k.id)) errors.push(`${name}: duplicate id.`);
    ids.add(k.id);
    if (k.label !== undefined && codePoints(k.label) > MAX_LABEL) errors.push(`${name}: label over ${MAX_LABEL} characters.`);
    if (k.send !== undefined && codePoints(k.send) > MAX_SEND) errors.push(`${name}: payload over ${MAX_SEND} characters.`);
    if (!k.label && !k.action && !k.modifier) errors.push(`${name}: needs a label.`);
    if (!k.send && !k.action && !k.modifier) errors.push(`${name}: sends nothing.`);
    if (k.modifier !== undefined && !MODIFIERS.includes(k.modifier)) errors.push(`${name}: unknown modifier.`);
    if (k.action !== undefined && !ACTIONS.includes(k.action)) errors.push(`${name}: unknown action.`);
    for (const c of [k.bg, k.color]) if (c !== undefined && !HEX_COLOR.test(c)) errors.push(`${name}: colour must be #hex.`);
    const row = k.row ?? 1;
    const col = k.col ?? 1;
    const span = k.size ?? 1;
    if (!Number.isInteger(row) || row < 1 || row > MAX_ROWS) errors.push(`${name}: row must be 1–${MAX_ROWS}.`);
    if (!Number.isInteger(col) || col < 1 || col > COLS) errors.push(`${name}: column must be 1–${COLS}.`);
    if (!Number.isInteger(span) || span < 1 || span > COLS) errors.push(`${name}: width must be 1–${COLS}.`);
    else if (col + span - 1 > COLS) errors.push(`${name}: does not fit in ${COLS} columns.`);
    else {
      const cells = used.get(row) ?? [];
      for (let c = col; c < col + span; c++) {
        if (cells.includes(c)) {
          errors.push(`${name}: overlaps another key.`);
          break;
        }
        cells.push(c);
      }
      used.set(row, cells);
    }
  });
  return errors;
}

/** A fresh key id that is not in `keys`. */
export function newKeyId(keys: TouchKey[]): string {
  for (let n = keys.length + 1; ; n++) {
    const id = `key-${n}`;
    if (!keys.some((k) => k.id === id)) return id;
  }
}

/**
 * Escape notation for payloads in a text field: \e (ESC), \r, \n, \t, \\ and \xNN for other
 * control characters; everything else is itself.
 */
export function escapePayload(send: string): string {
  let out = '';
  for (const ch of send) {
    const code = ch.charCodeAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === ESC) out += '\\e';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out;
}

/** The inverse of escapePayload; unknown escapes are kept literally. */
export function unescapePayload(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|[ernt\\])/g, (_, e: string) => {
    if (e[0] === 'x') return String.fromCharCode(parseInt(e.slice(1), 16));
    return ({ e: ESC, r: '\r', n: '\n', t: '\t', '\\': '\\' } as Record<string, string>)[e];
  });
}
