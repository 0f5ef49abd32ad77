import { describe, expect, it } from 'vitest';
import { LineAccumulator, altScreenScroll, clampFont, decay, pinchFontSize } from './gestures';

describe('pinch and font size', () => {
  it('clamps to 2–32 and scales with the finger distance', () => {
    expect(clampFont(1)).toBe(2);
    expect(clampFont(40)).toBe(32);
    expect(clampFont(Number.NaN)).toBe(14);
    expect(pinchFontSize(14, 100, 200)).toBe(28);
    expect(pinchFontSize(14, 100, 50)).toBe(7);
    expect(pinchFontSize(14, 100, 1000)).toBe(32);
    expect(pinchFontSize(14, 0, 100)).toBe(14);
  });
});

describe('momentum', () => {
  it('slows down and stops', () => {
    let v = 2;
    let frames = 0;
    while (v !== 0 && frames < 1000) {
      v = decay(v, 16);
      frames++;
    }
    expect(v).toBe(0);
    expect(frames).toBeGreaterThan(10);
    expect(frames).toBeLessThan(200);
    expect(decay(1, 32)).toBeCloseTo(0.95 ** 2);
  });

  it('turns pixels into whole lines, keeping the remainder', () => {
    const acc = new LineAccumulator(() => 10);
    expect(acc.add(4)).toBe(0);
    expect(acc.add(7)).toBe(1);
    expect(acc.add(-25)).toBe(-2); // carry 1 - 25 = -24
    expect(acc.add(-6)).toBe(-1); // carry -4 - 6 = -10
  });
});

describe('altScreenScroll', () => {
  it('sends arrow keys, honouring application cursor mode', () => {
    expect(altScreenScroll(2, { mouseTracking: 'none', applicationCursor: false })).toBe('\x1b[A\x1b[A');
    expect(altScreenScroll(-1, { mouseTracking: 'none', applicationCursor: true })).toBe('\x1bOB');
    expect(altScreenScroll(0, { mouseTracking: 'none', applicationCursor: false })).toBe('');
  });

  it('sends SGR wheel reports when the program tracks the mouse', () => {
    expect(altScreenScroll(1, { mouseTracking: 'vt200', applicationCursor: false }, 5, 7)).toBe('\x1b[<64;5;7M');
    expect(altScreenScroll(-2, { mouseTracking: 'any', applicationCursor: false }, 1, 1)).toBe('\x1b[<65;1;1M'.repeat(2));
  });
});
