import { describe, expect, it } from 'vitest';
import { TuiFocus, mayTakeFocus } from './tuiFocus';

describe('focus recovery after a TUI', () => {
  it('recovers when the terminal had focus as the TUI started', () => {
    const f = new TuiFocus();
    expect(f.update(false, true)).toBe(false);
    expect(f.update(true, true)).toBe(false);
    expect(f.update(true, false)).toBe(false); // still running
    expect(f.update(false, false)).toBe(true);
    expect(f.update(false, false)).toBe(false); // once only
  });

  it('recovers when the user clicked into the TUI', () => {
    const f = new TuiFocus();
    f.update(true, false);
    f.touched();
    expect(f.update(false, false)).toBe(true);
  });

  it('leaves focus alone when the terminal was not in use', () => {
    const f = new TuiFocus();
    f.touched(); // outside a TUI: ignored
    f.update(true, false);
    expect(f.update(false, false)).toBe(false);
  });

  it('takes focus only from the body or from inside the terminal', () => {
    const body = {} as Element;
    const input = {} as Element;
    expect(mayTakeFocus(null, body, false)).toBe(true);
    expect(mayTakeFocus(body, body, false)).toBe(true);
    expect(mayTakeFocus(input, body, true)).toBe(true);
    expect(mayTakeFocus(input, body, false)).toBe(false);
  });
});
