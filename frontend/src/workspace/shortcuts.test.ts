import { describe, expect, it } from 'vitest';
import { shortcutFor, type KeyPress } from './shortcuts';

const press = (key: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  ...mods,
});
const idle = { overlayOpen: false, typing: false };

describe('shortcutFor', () => {
  it('maps Ctrl or Cmd + K, F and comma', () => {
    expect(shortcutFor(press('k', { ctrlKey: true }), idle)).toBe('palette');
    expect(shortcutFor(press('K', { metaKey: true }), idle)).toBe('palette');
    expect(shortcutFor(press('f', { ctrlKey: true }), idle)).toBe('find');
    expect(shortcutFor(press(',', { metaKey: true }), idle)).toBe('settings');
  });

  it('ignores keys without Ctrl/Cmd, with Alt, and other letters', () => {
    expect(shortcutFor(press('k'), idle)).toBeNull();
    expect(shortcutFor(press('k', { ctrlKey: true, altKey: true }), idle)).toBeNull();
    expect(shortcutFor(press('c', { ctrlKey: true }), idle)).toBeNull();
  });

  it('leaves Ctrl+F alone with Shift, an open overlay or a focused text field', () => {
    expect(shortcutFor(press('f', { ctrlKey: true, shiftKey: true }), idle)).toBeNull();
    expect(shortcutFor(press('f', { ctrlKey: true }), { overlayOpen: true, typing: false })).toBeNull();
    expect(shortcutFor(press('f', { ctrlKey: true }), { overlayOpen: false, typing: true })).toBeNull();
  });

  it('leaves plain Ctrl+K/F/, to a full-screen program, not ⌘ or Ctrl+Shift', () => {
    const app = { overlayOpen: false, typing: false, fullScreenApp: true };
    expect(shortcutFor(press('k', { ctrlKey: true }), app)).toBeNull();
    expect(shortcutFor(press('f', { ctrlKey: true }), app)).toBeNull();
    expect(shortcutFor(press(',', { ctrlKey: true }), app)).toBeNull();
    expect(shortcutFor(press('k', { metaKey: true }), app)).toBe('palette');
    expect(shortcutFor(press('K', { ctrlKey: true, shiftKey: true }), app)).toBe('palette');
  });

  it('toggles the palette and opens settings even over an overlay', () => {
    const busy = { overlayOpen: true, typing: true };
    expect(shortcutFor(press('k', { ctrlKey: true }), busy)).toBe('palette');
    expect(shortcutFor(press(',', { ctrlKey: true }), busy)).toBe('settings');
  });
});
