import { describe, expect, it } from 'vitest';
import { shortcutFor, shortcutLabel, type KeyPress } from './shortcuts';

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
  it('maps Ctrl or Cmd + K, F and comma outside a terminal', () => {
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

  it('leaves plain Ctrl+K and Ctrl+F to the shell unless the setting takes them', () => {
    const shell = { overlayOpen: false, typing: false, inTerminal: true };
    expect(shortcutFor(press('k', { ctrlKey: true }), shell)).toBeNull();
    expect(shortcutFor(press('f', { ctrlKey: true }), shell)).toBeNull();
    expect(shortcutFor(press('K', { ctrlKey: true, shiftKey: true }), shell)).toBe('palette');
    expect(shortcutFor(press('F', { ctrlKey: true, shiftKey: true }), shell)).toBe('find');
    expect(shortcutFor(press('k', { metaKey: true }), shell)).toBe('palette');
    expect(shortcutFor(press('f', { metaKey: true }), shell)).toBe('find');
    expect(shortcutFor(press(',', { ctrlKey: true }), shell)).toBe('settings');
    const taken = { ...shell, ctrlShortcuts: true };
    expect(shortcutFor(press('k', { ctrlKey: true }), taken)).toBe('palette');
    expect(shortcutFor(press('f', { ctrlKey: true }), taken)).toBe('find');
  });

  it('writes the hint for the platform and the setting', () => {
    expect(shortcutLabel('K', { mac: true, ctrlShortcuts: false })).toBe('⌘K');
    expect(shortcutLabel('K', { mac: false, ctrlShortcuts: false })).toBe('Ctrl+Shift+K');
    expect(shortcutLabel('F', { mac: false, ctrlShortcuts: true })).toBe('Ctrl+F');
  });

  it('leaves Ctrl+F alone with an open overlay or a focused text field', () => {
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
