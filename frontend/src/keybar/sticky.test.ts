import { beforeEach, describe, expect, it } from 'vitest';
import { DOUBLE_TAP_MS, StickyModifiers, modStates, sticky, transformSoftInput, type ModStates } from './sticky';

describe('StickyModifiers', () => {
  let seen: ModStates[];
  let s: StickyModifiers;
  beforeEach(() => {
    seen = [];
    s = new StickyModifiers((st) => seen.push(st));
  });

  it('latches on one tap and turns off after one key', () => {
    expect(s.tap('ctrl', 0)).toBe('latched');
    expect(s.consume()).toEqual({ ctrl: true, alt: false, shift: false, meta: false });
    expect(s.get().ctrl).toBe('off');
    expect(s.consume().ctrl).toBe(false);
  });

  it('locks on a double tap and stays on until tapped again', () => {
    s.tap('ctrl', 1000);
    expect(s.tap('ctrl', 1000 + DOUBLE_TAP_MS - 1)).toBe('locked');
    s.consume();
    s.consume();
    expect(s.get().ctrl).toBe('locked');
    expect(s.tap('ctrl', 5000)).toBe('off');
  });

  it('unlatches on a slow second tap', () => {
    s.tap('shift', 0);
    expect(s.tap('shift', DOUBLE_TAP_MS + 1)).toBe('off');
  });

  it('does not lock when the quick second tap is on another modifier', () => {
    s.tap('ctrl', 0);
    expect(s.tap('shift', 10)).toBe('latched');
    expect(s.tap('ctrl', 20)).toBe('off');
  });

  it('combines modifiers and consumes latched ones while keeping locked ones', () => {
    s.tap('alt', 0);
    s.tap('alt', 100); // locked
    s.tap('ctrl', 1000); // latched
    expect(s.consume()).toEqual({ ctrl: true, alt: true, shift: false, meta: false });
    expect(s.get()).toEqual({ ctrl: 'off', alt: 'locked', shift: 'off', meta: 'off' });
  });

  it('reports each change once', () => {
    s.tap('ctrl', 0);
    s.consume();
    s.consume(); // nothing active: no change
    expect(seen.map((x) => x.ctrl)).toEqual(['latched', 'off']);
  });

  it('transforms soft-keyboard input and then unlatches', () => {
    s.tap('ctrl', 0);
    expect(s.transform('c')).toBe('\x03');
    expect(s.transform('c')).toBe('c');
  });

  it('keeps the latch through input it cannot modify', () => {
    s.tap('ctrl', 0);
    expect(s.transform('\x1b[?1;2c')).toBe('\x1b[?1;2c');
    expect(s.get().ctrl).toBe('latched');
    expect(s.transform('d')).toBe('\x04');
  });

  it('passes input through untouched with no modifier', () => {
    expect(s.transform('hello')).toBe('hello');
  });

  it('resets everything', () => {
    s.tap('meta', 0);
    s.tap('meta', 1);
    s.reset();
    expect(s.active()).toEqual({ ctrl: false, alt: false, shift: false, meta: false });
  });
});

describe('the shared instance', () => {
  it('feeds the modStates signal and transformSoftInput', () => {
    sticky.reset();
    sticky.tap('alt', 0);
    expect(modStates.value.alt).toBe('latched');
    expect(transformSoftInput('x')).toBe('\x1bx');
    expect(modStates.value.alt).toBe('off');
  });
});
