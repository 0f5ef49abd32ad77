/**
 * Byte encodings for the touch key bar, pure so they can be tested without a DOM: modifier
 * application (xterm's conventions), application cursor mode and paste wrapping.
 */

export interface Mods {
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
  meta: boolean;
}

export const NO_MODS: Mods = { ctrl: false, alt: false, shift: false, meta: false };

export const ESC = '\x1b';

export function anyMod(m: Mods): boolean {
  return m.ctrl || m.alt || m.shift || m.meta;
}

/** xterm's modifier parameter: 1 + shift(1) + alt(2) + ctrl(4) + meta(8). */
export function modParam(m: Mods): number {
  return 1 + (m.shift ? 1 : 0) + (m.alt ? 2 : 0) + (m.ctrl ? 4 : 0) + (m.meta ? 8 : 0);
}

// Cursor keys and Home/End: ESC [ X or ESC O X (application mode) → final letter X.
const CURSOR_RE = /^\x1b[[O]([ABCDHF])$/;
// Tilde keys (Insert, Delete, PgUp, PgDn, F5–F12): ESC [ n ~.
const TILDE_RE = /^\x1b\[(\d+)~$/;
// F1–F4: ESC O P..S.
const SS3_F_RE = /^\x1bO([PQRS])$/;

/** Ctrl+char as a control byte, or null when Ctrl has no encoding for that character. */
export function ctrlChar(ch: string): string | null {
  if (ch.length !== 1) return null;
  const code = ch.charCodeAt(0);
  if (ch === ' ' || ch === '@' || ch === '2') return '\x00';
  if (ch === '?' || ch === '8') return '\x7f';
  if (code >= 0x61 && code <= 0x7a) return String.fromCharCode(code - 0x60); // a–z
  if (code >= 0x40 && code <= 0x5f) return String.fromCharCode(code - 0x40); // A–Z [ \ ] ^ _
  if (ch === '3') return '\x1b';
  if (ch === '4') return '\x1c';
  if (ch === '5') return '\x1d';
  if (ch === '6') return '\x1e';
  if (ch === '7' || ch === '/') return '\x1f';
  return null;
}

/** Is this payload a cursor key (arrow or Home/End) in either cursor mode? */
export function isCursorKey(data: string): boolean {
  return CURSOR_RE.test(data);
}

/** Is this payload an arrow key (the keys that auto-repeat while held)? */
export function isArrowKey(data: string): boolean {
  const m = CURSOR_RE.exec(data);
  return !!m && 'ABCD'.includes(m[1]);
}

/**
 * Cursor keys in the terminal's current mode: ESC O X when the application asked for
 * application cursor keys (DECCKM), ESC [ X otherwise. Other payloads pass through.
 */
export function cursorMode(data: string, appCursor: boolean): string {
  const m = CURSOR_RE.exec(data);
  if (!m) return data;
  return appCursor ? `${ESC}O${m[1]}` : `${ESC}[${m[1]}`;
}

/** One character with modifiers applied, or null when it has no encoding. */
function modifyChar(ch: string, m: Mods): string | null {
  let out = ch;
  if (m.shift && !m.ctrl) out = ch.toUpperCase();
  if (m.ctrl) {
    const c = ctrlChar(m.shift ? ch.toUpperCase() : ch);
    if (c === null) return null;
    out = c;
  }
  return m.alt || m.meta ? ESC + out : out;
}

/**
 * Apply modifiers to one key's payload. Known keys get xterm's encodings (CSI 1;m X for
 * cursor keys, CSI n;m ~ for tilde keys, CSI Z for Shift+Tab); a single character gets
 * Ctrl (control byte), Shift (upper case) and Alt/Meta (ESC prefix). Returns null when the
 * payload is not something modifiers apply to, so callers can leave it alone.
 */
export function modifyKey(data: string, m: Mods, appCursor = false): string | null {
  if (!anyMod(m)) return cursorMode(data, appCursor);
  const p = modParam(m);
  const cursor = CURSOR_RE.exec(data);
  if (cursor) return `${ESC}[1;${p}${cursor[1]}`;
  const tilde = TILDE_RE.exec(data);
  if (tilde) return `${ESC}[${tilde[1]};${p}~`;
  const fkey = SS3_F_RE.exec(data);
  if (fkey) return `${ESC}[1;${p}${fkey[1]}`;
  if (data === '\t') {
    if (m.shift && !m.ctrl && !m.alt && !m.meta) return `${ESC}[Z`;
    return m.alt || m.meta ? ESC + (m.shift ? `${ESC}[Z` : '\t') : null;
  }
  if (data === '\r' || data === '\x7f' || data === ESC) {
    // Alt+Enter / Alt+Backspace / Alt+Esc are ESC-prefixed; Ctrl/Shift leave them as they are.
    return m.alt || m.meta ? ESC + data : data;
  }
  if ([...data].length !== 1) return null;
  return modifyChar(data, m);
}

/**
 * Sticky modifiers over a soft-keyboard chunk: the first character (or key sequence) gets
 * the modifiers, anything after it passes through. Returns null when nothing in the chunk
 * takes modifiers (e.g. a terminal query response), so the latch can stay set.
 */
export function modifyInput(data: string, m: Mods): string | null {
  if (!data || !anyMod(m)) return null;
  const whole = modifyKey(data, m);
  if (whole !== null && (data.length === 1 || data.startsWith(ESC))) return whole;
  if (data.startsWith(ESC)) return null;
  const first = [...data][0];
  const head = modifyKey(first, m);
  return head === null ? null : head + data.slice(first.length);
}

/** Bracketed-paste end marker; a pasted copy of it would let the text escape the bracket. */
const PASTE_END = `${ESC}[201~`;

/**
 * Text as a terminal paste: line breaks become CR (what Enter sends, as xterm.js does), and
 * with bracketed paste mode on it is wrapped in ESC[200~ … ESC[201~ with any end marker
 * inside removed so the pasted text cannot break out of the bracket.
 */
export function encodePaste(text: string, bracketed: boolean): string {
  const body = text.replace(/\r?\n/g, '\r');
  if (!bracketed) return body;
  let clean = body;
  while (clean.includes(PASTE_END)) clean = clean.split(PASTE_END).join('');
  return `${ESC}[200~${clean}${PASTE_END}`;
}

/** A path typed into a shell: quoted only when it holds characters the shell would split on. */
export function shellQuote(path: string): string {
  return /^[\w@%+=:,./-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}
