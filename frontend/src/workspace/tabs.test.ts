import { describe, expect, it } from 'vitest';
import { applyOrder, dropIndex, loadOrder, moveTab, saveOrder, splitPartner } from './tabs';

describe('tab order', () => {
  it('sorts by the saved order, new sessions last, stale ids ignored', () => {
    expect(applyOrder(['a', 'b', 'c', 'd'], ['c', 'gone', 'a'])).toEqual(['c', 'a', 'b', 'd']);
    expect(applyOrder(['a', 'b'], [])).toEqual(['a', 'b']);
  });

  it('moves a tab and clamps the target', () => {
    expect(moveTab(['a', 'b', 'c'], 'a', 2)).toEqual(['b', 'c', 'a']);
    expect(moveTab(['a', 'b', 'c'], 'c', 0)).toEqual(['c', 'a', 'b']);
    expect(moveTab(['a', 'b', 'c'], 'b', 99)).toEqual(['a', 'c', 'b']);
    expect(moveTab(['a'], 'x', 0)).toEqual(['a']);
  });

  it('finds the drop slot from tab midpoints', () => {
    const boxes = [{ left: 0, right: 100 }, { left: 100, right: 200 }, { left: 200, right: 300 }];
    expect(dropIndex(boxes, 10)).toBe(0);
    expect(dropIndex(boxes, 160)).toBe(2);
    expect(dropIndex(boxes, 900)).toBe(2);
  });

  it('pairs the active tab with the next one for split view', () => {
    expect(splitPartner(['a', 'b', 'c'], 'b')).toBe('c');
    expect(splitPartner(['a', 'b', 'c'], 'c')).toBe('a');
    expect(splitPartner(['a'], 'a')).toBeNull();
  });

  it('round-trips through storage and survives garbage', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    saveOrder(['x', 'y'], storage);
    expect(loadOrder(storage)).toEqual(['x', 'y']);
    store.set('termbeam-tab-order', '{not json');
    expect(loadOrder(storage)).toEqual([]);
    store.set('termbeam-tab-order', '[1, "z"]');
    expect(loadOrder(storage)).toEqual(['z']);
  });
});
