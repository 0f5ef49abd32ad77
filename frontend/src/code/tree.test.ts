import { describe, expect, it } from 'vitest';
import {
  ancestors, collapse, emptyTree, invalidate, moveFocus, pendingLoads, setChildren, setError,
  startLoading, toggle, visibleRows, type TreeNode,
} from './tree';

const dir = (path: string): TreeNode => ({ name: path.split('/').pop()!, path, type: 'directory' });
const file = (path: string): TreeNode => ({ name: path.split('/').pop()!, path, type: 'file', size: 1 });

function rootLoaded() {
  return setChildren(emptyTree(), '', [dir('.git'), dir('src'), dir('docs'), file('a.py')]);
}

describe('tree state', () => {
  it('shows the root level and hides .git', () => {
    expect(visibleRows(rootLoaded()).map((r) => r.node.path)).toEqual(['src', 'docs', 'a.py']);
  });

  it('asks to load a folder once, on first open', () => {
    const first = toggle(rootLoaded(), 'src');
    expect(first.load).toBe(true);
    const loading = startLoading(first.state, 'src');
    expect(visibleRows(loading).find((r) => r.node.path === 'src')).toMatchObject({ expanded: true, loading: true });
    const loaded = setChildren(loading, 'src', [file('src/m.py')]);
    expect(visibleRows(loaded).map((r) => [r.node.path, r.depth])).toEqual([
      ['src', 0], ['src/m.py', 1], ['docs', 0], ['a.py', 0],
    ]);
    const closed = toggle(loaded, 'src');
    expect(closed.load).toBe(false);
    expect(visibleRows(closed.state).map((r) => r.node.path)).toEqual(['src', 'docs', 'a.py']);
    const reopened = toggle(closed.state, 'src');
    expect(reopened.load).toBe(false);
    expect(visibleRows(reopened.state)).toHaveLength(4);
  });

  it('does not load twice while a load is in flight', () => {
    const s = startLoading(rootLoaded(), 'src');
    expect(toggle(s, 'src').load).toBe(false);
    const open = toggle(s, 'src').state;
    expect(toggle(collapse(open, 'src'), 'src').load).toBe(false);
  });

  it('does not retry a failed folder until it is opened again', () => {
    let s = toggle(rootLoaded(), 'docs').state;
    expect(pendingLoads(s)).toEqual(['docs']);
    s = setError(startLoading(s, 'docs'), 'docs', 'Forbidden');
    expect(pendingLoads(s)).toEqual([]);
    s = toggle(toggle(s, 'docs').state, 'docs').state;
    expect(pendingLoads(s)).toEqual(['docs']);
  });

  it('records errors per folder and clears them on retry', () => {
    const s = setError(startLoading(toggle(rootLoaded(), 'docs').state, 'docs'), 'docs', 'Forbidden');
    expect(visibleRows(s).find((r) => r.node.path === 'docs')?.error).toBe('Forbidden');
    expect(visibleRows(startLoading(s, 'docs')).find((r) => r.node.path === 'docs')?.error).toBeNull();
  });

  it('reloads open folders after a refresh', () => {
    let s = toggle(rootLoaded(), 'src').state;
    s = setChildren(s, 'src', [dir('src/lib')]);
    s = toggle(s, 'src/lib').state;
    s = setChildren(s, 'src/lib', []);
    expect(pendingLoads(s)).toEqual([]);
    const fresh = invalidate(s);
    expect(pendingLoads(fresh)).toEqual(['']);
    const root = setChildren(fresh, '', [dir('src')]);
    expect(pendingLoads(root)).toEqual(['src']);
  });

  it('lists the folders that lead to a file', () => {
    expect(ancestors('a/b/c.txt')).toEqual(['a', 'a/b']);
    expect(ancestors('c.txt')).toEqual([]);
  });
});

describe('moveFocus', () => {
  let s = toggle(rootLoaded(), 'src').state;
  s = setChildren(s, 'src', [file('src/m.py')]);
  const rows = visibleRows(s); // src, src/m.py, docs, a.py

  it('walks up and down within bounds', () => {
    expect(moveFocus(rows, 0, 'ArrowDown').index).toBe(1);
    expect(moveFocus(rows, 3, 'ArrowDown').index).toBe(3);
    expect(moveFocus(rows, 0, 'ArrowUp').index).toBe(0);
    expect(moveFocus(rows, 2, 'End').index).toBe(3);
    expect(moveFocus(rows, 2, 'Home').index).toBe(0);
  });
  it('opens, enters, closes and leaves folders', () => {
    expect(moveFocus(rows, 2, 'ArrowRight')).toEqual({ index: 2, toggle: 'docs' });
    expect(moveFocus(rows, 0, 'ArrowRight')).toEqual({ index: 1 });
    expect(moveFocus(rows, 0, 'ArrowLeft')).toEqual({ index: 0, toggle: 'src' });
    expect(moveFocus(rows, 1, 'ArrowLeft')).toEqual({ index: 0 });
    expect(moveFocus(rows, 3, 'ArrowRight')).toEqual({ index: 3 });
  });
});
