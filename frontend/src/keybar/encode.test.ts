import { describe, expect, it } from 'vitest';
import { ctrlChar, cursorMode, encodePaste, isArrowKey, modifyInput, modifyKey, modParam, NO_MODS, shellQuote, type Mods } from './encode';

const mods = (m: Partial<Mods>): Mods => ({ ...NO_MODS, ...m });
const E = '\x1b';

describe('ctrlChar', () => {
  it('maps letters of either case to control bytes', () => {
    expect(ctrlChar('a')).toBe('\x01');
    expect(ctrlChar('c')).toBe('\x03');
    expect(ctrlChar('C')).toBe('\x03');
    expect(ctrlChar('z')).toBe('\x1a');
  });
  it('maps the punctuation xterm maps', () => {
    expect(ctrlChar(' ')).toBe('\x00');
    expect(ctrlChar('@')).toBe('\x00');
    expect(ctrlChar('[')).toBe(E);
    expect(ctrlChar('\\')).toBe('\x1c');
    expect(ctrlChar(']')).toBe('\x1d');
    expect(ctrlChar('_')).toBe('\x1f');
    expect(ctrlChar('?')).toBe('\x7f');
  });
  it('has no encoding for other characters', () => {
    expect(ctrlChar('é')).toBeNull();
    expect(ctrlChar('ab')).toBeNull();
    expect(ctrlChar('!')).toBeNull();
  });
});

describe('modParam', () => {
  it('follows xterm: 1 + shift 1 + alt 2 + ctrl 4 + meta 8', () => {
    expect(modParam(mods({ shift: true }))).toBe(2);
    expect(modParam(mods({ alt: true }))).toBe(3);
    expect(modParam(mods({ ctrl: true }))).toBe(5);
    expect(modParam(mods({ ctrl: true, shift: true }))).toBe(6);
    expect(modParam(mods({ meta: true }))).toBe(9);
  });
});

describe('cursorMode', () => {
  it('uses SS3 for arrows, Home and End in application cursor mode', () => {
    expect(cursorMode(`${E}[A`, true)).toBe(`${E}OA`);
    expect(cursorMode(`${E}[D`, true)).toBe(`${E}OD`);
    expect(cursorMode(`${E}[H`, true)).toBe(`${E}OH`);
    expect(cursorMode(`${E}[F`, true)).toBe(`${E}OF`);
  });
  it('uses CSI in normal mode, whichever form was stored', () => {
    expect(cursorMode(`${E}OB`, false)).toBe(`${E}[B`);
    expect(cursorMode(`${E}[C`, false)).toBe(`${E}[C`);
  });
  it('leaves other payloads alone', () => {
    expect(cursorMode('\t', true)).toBe('\t');
    expect(cursorMode(`${E}[5~`, true)).toBe(`${E}[5~`);
    expect(cursorMode('ls\r', true)).toBe('ls\r');
  });
});

describe('isArrowKey', () => {
  it('is true for the four arrows in both modes only', () => {
    expect(isArrowKey(`${E}[A`)).toBe(true);
    expect(isArrowKey(`${E}OD`)).toBe(true);
    expect(isArrowKey(`${E}[H`)).toBe(false);
    expect(isArrowKey('\r')).toBe(false);
  });
});

describe('modifyKey', () => {
  it('encodes modified cursor keys as CSI 1;m X in either mode', () => {
    expect(modifyKey(`${E}[A`, mods({ ctrl: true }))).toBe(`${E}[1;5A`);
    expect(modifyKey(`${E}[D`, mods({ shift: true }), true)).toBe(`${E}[1;2D`);
    expect(modifyKey(`${E}OC`, mods({ ctrl: true, shift: true }))).toBe(`${E}[1;6C`);
    expect(modifyKey(`${E}[B`, mods({ alt: true }))).toBe(`${E}[1;3B`);
    expect(modifyKey(`${E}[H`, mods({ ctrl: true }))).toBe(`${E}[1;5H`);
    expect(modifyKey(`${E}[F`, mods({ shift: true }))).toBe(`${E}[1;2F`);
  });
  it('follows the cursor mode without modifiers', () => {
    expect(modifyKey(`${E}[A`, NO_MODS, true)).toBe(`${E}OA`);
    expect(modifyKey(`${E}[A`, NO_MODS, false)).toBe(`${E}[A`);
  });
  it('encodes modified tilde and function keys', () => {
    expect(modifyKey(`${E}[5~`, mods({ ctrl: true }))).toBe(`${E}[5;5~`);
    expect(modifyKey(`${E}[3~`, mods({ shift: true }))).toBe(`${E}[3;2~`);
    expect(modifyKey(`${E}OP`, mods({ shift: true }))).toBe(`${E}[1;2P`);
  });
  it('sends CSI Z for Shift+Tab', () => {
    expect(modifyKey('\t', mods({ shift: true }))).toBe(`${E}[Z`);
    expect(modifyKey('\t', mods({ alt: true }))).toBe(`${E}\t`);
  });
  it('turns Ctrl+letter into a control byte, with or without Shift', () => {
    expect(modifyKey('c', mods({ ctrl: true }))).toBe('\x03');
    expect(modifyKey('c', mods({ ctrl: true, shift: true }))).toBe('\x03');
    expect(modifyKey('[', mods({ ctrl: true }))).toBe(E);
  });
  it('prefixes ESC for Alt and Meta', () => {
    expect(modifyKey('b', mods({ alt: true }))).toBe(`${E}b`);
    expect(modifyKey('b', mods({ meta: true }))).toBe(`${E}b`);
    expect(modifyKey('x', mods({ alt: true, ctrl: true }))).toBe(`${E}\x18`);
    expect(modifyKey('\r', mods({ alt: true }))).toBe(`${E}\r`);
    expect(modifyKey('\x7f', mods({ alt: true }))).toBe(`${E}\x7f`);
  });
  it('upper-cases for Shift', () => {
    expect(modifyKey('a', mods({ shift: true }))).toBe('A');
    expect(modifyKey('a', mods({ shift: true, alt: true }))).toBe(`${E}A`);
  });
  it('leaves Enter and Backspace alone for Ctrl and Shift', () => {
    expect(modifyKey('\r', mods({ ctrl: true }))).toBe('\r');
    expect(modifyKey('\x7f', mods({ shift: true }))).toBe('\x7f');
  });
  it('returns null where modifiers do not apply', () => {
    expect(modifyKey('ls -la\r', mods({ ctrl: true }))).toBeNull();
    expect(modifyKey('!', mods({ ctrl: true }))).toBeNull();
    expect(modifyKey('\t', mods({ ctrl: true }))).toBeNull();
  });
});

describe('modifyInput (soft keyboard chunks)', () => {
  it('applies modifiers to a single character', () => {
    expect(modifyInput('c', mods({ ctrl: true }))).toBe('\x03');
    expect(modifyInput('f', mods({ alt: true }))).toBe(`${E}f`);
  });
  it('applies them to the first character of a longer chunk only', () => {
    expect(modifyInput('cat', mods({ ctrl: true }))).toBe('\x03at');
    expect(modifyInput('dir', mods({ shift: true }))).toBe('Dir');
  });
  it('applies them to a whole key sequence', () => {
    expect(modifyInput(`${E}[A`, mods({ ctrl: true }))).toBe(`${E}[1;5A`);
    expect(modifyInput(`${E}OB`, mods({ shift: true }))).toBe(`${E}[1;2B`);
    expect(modifyInput('\t', mods({ shift: true }))).toBe(`${E}[Z`);
  });
  it('returns null for replies and text modifiers cannot change', () => {
    expect(modifyInput(`${E}[?1;2c`, mods({ ctrl: true }))).toBeNull();
    expect(modifyInput(`${E}[12;40R`, mods({ shift: true }))).toBeNull();
    expect(modifyInput('!x', mods({ ctrl: true }))).toBeNull();
    expect(modifyInput('', mods({ ctrl: true }))).toBeNull();
    expect(modifyInput('c', NO_MODS)).toBeNull();
  });
  it('keeps surrogate pairs whole', () => {
    expect(modifyInput('😀a', mods({ alt: true }))).toBe(`${E}😀a`);
  });
});

describe('encodePaste', () => {
  it('turns line breaks into CR', () => {
    expect(encodePaste('a\r\nb\nc', false)).toBe('a\rb\rc');
  });
  it('wraps in bracketed paste markers when the mode is on', () => {
    expect(encodePaste('echo hi', true)).toBe(`${E}[200~echo hi${E}[201~`);
  });
  it('strips end markers inside the text so it cannot break out', () => {
    const evil = `x${E}[201~rm -rf ~\n`;
    expect(encodePaste(evil, true)).toBe(`${E}[200~xrm -rf ~\r${E}[201~`);
    // Removing one marker must not leave a new one behind.
    const nested = `${E}[20${E}[201~1~`;
    expect(encodePaste(nested, true)).toBe(`${E}[200~${E}[201~`);
  });
});

describe('shellQuote', () => {
  it('leaves plain paths bare and quotes the rest', () => {
    expect(shellQuote('/tmp/termbeam-1.png')).toBe('/tmp/termbeam-1.png');
    expect(shellQuote('/tmp/my file.png')).toBe(`'/tmp/my file.png'`);
    expect(shellQuote("/tmp/it's.png")).toBe(`'/tmp/it'\\''s.png'`);
  });
});
