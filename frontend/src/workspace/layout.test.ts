import { describe, expect, it } from 'vitest';
import { nextAfterClose, tabIdsOf, visibleIdsOf } from './layout';

describe('tabIdsOf', () => {
  it('adds opened tabs the server no longer lists, then applies the saved order', () => {
    expect(tabIdsOf(['a', 'b'], ['a', 'gone'], [])).toEqual(['a', 'b', 'gone']);
    expect(tabIdsOf(['a', 'b'], ['gone'], ['b', 'gone'])).toEqual(['b', 'gone', 'a']);
  });

  it('does not modify the server list', () => {
    const ids = ['a'];
    tabIdsOf(ids, ['z'], []);
    expect(ids).toEqual(['a']);
  });
});

describe('visibleIdsOf', () => {
  it('shows the partner after the active tab in split view', () => {
    expect(visibleIdsOf('a', null)).toEqual(['a']);
    expect(visibleIdsOf('a', 'b')).toEqual(['a', 'b']);
  });
});

describe('nextAfterClose', () => {
  it('selects the tab that takes the closed one’s place, else the new last', () => {
    expect(nextAfterClose(['a', 'b', 'c'], 'b')).toBe('c');
    expect(nextAfterClose(['a', 'b', 'c'], 'c')).toBe('b');
    expect(nextAfterClose(['a', 'b', 'c'], 'a')).toBe('b');
  });

  it('is null when no tab is left', () => {
    expect(nextAfterClose(['a'], 'a')).toBeNull();
    expect(nextAfterClose([], 'a')).toBeNull();
  });
});
