import { describe, expect, it } from 'vitest';
import { TIPS, tipAt } from './tips';

describe('hub tips', () => {
  it('has at least 40 distinct, short tips', () => {
    expect(TIPS.length).toBeGreaterThanOrEqual(40);
    expect(new Set(TIPS).size).toBe(TIPS.length);
    for (const tip of TIPS) {
      expect(tip.trim(), tip).toBe(tip);
      // One tip fills the empty hub's card on a phone: two or three lines, never a paragraph.
      expect(tip.length, tip).toBeLessThanOrEqual(160);
      expect(tip, tip).toMatch(/[.!?]$/);
    }
  });

  it('wraps in both directions', () => {
    expect(tipAt(TIPS.length)).toBe(TIPS[0]);
    expect(tipAt(-1)).toBe(TIPS[TIPS.length - 1]);
  });
});
