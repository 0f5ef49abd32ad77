/**
 * The file tree's state, as immutable values: which folders are open, which have their
 * children loaded (folders load lazily, one level per request), and the flat list of rows
 * the view draws and the arrow keys walk.
 */

export interface TreeNode {
  name: string;
  /** Relative to the session's cwd, `/`-separated. */
  path: string;
  type: 'file' | 'directory';
  size?: number;
}

export interface TreeState {
  /** Loaded children per folder path ('' is the root). */
  children: Record<string, TreeNode[]>;
  expanded: Record<string, true>;
  loading: Record<string, true>;
  errors: Record<string, string>;
}

export interface TreeRow {
  node: TreeNode;
  depth: number;
  expanded: boolean;
  loading: boolean;
  error: string | null;
}

export const ROOT = '';

/** Never worth browsing, and huge: git's own database. */
const HIDDEN = new Set(['.git']);

export function emptyTree(): TreeState {
  return { children: {}, expanded: { [ROOT]: true }, loading: {}, errors: {} };
}

function without<T>(rec: Record<string, T>, key: string): Record<string, T> {
  if (!(key in rec)) return rec;
  const copy = { ...rec };
  delete copy[key];
  return copy;
}

export function isLoaded(s: TreeState, dir: string): boolean {
  return dir in s.children;
}

export function startLoading(s: TreeState, dir: string): TreeState {
  return { ...s, loading: { ...s.loading, [dir]: true }, errors: without(s.errors, dir) };
}

export function setChildren(s: TreeState, dir: string, nodes: TreeNode[]): TreeState {
  const shown = nodes.filter((n) => !HIDDEN.has(n.name));
  return { ...s, children: { ...s.children, [dir]: shown }, loading: without(s.loading, dir), errors: without(s.errors, dir) };
}

export function setError(s: TreeState, dir: string, message: string): TreeState {
  return { ...s, loading: without(s.loading, dir), errors: { ...s.errors, [dir]: message } };
}

/** Open a folder; opening one whose load failed forgets the error, so it is tried again. */
export function expand(s: TreeState, dir: string): TreeState {
  return s.expanded[dir] ? s : { ...s, expanded: { ...s.expanded, [dir]: true }, errors: without(s.errors, dir) };
}

export function collapse(s: TreeState, dir: string): TreeState {
  return dir === ROOT ? s : { ...s, expanded: without(s.expanded, dir) };
}

/** Open or close a folder; `load` says whether its children still need fetching. */
export function toggle(s: TreeState, dir: string): { state: TreeState; load: boolean } {
  if (s.expanded[dir]) return { state: collapse(s, dir), load: false };
  return { state: expand(s, dir), load: !isLoaded(s, dir) && !s.loading[dir] };
}

/** Forget loaded children (a refresh), keeping which folders are open. */
export function invalidate(s: TreeState): TreeState {
  return { ...s, children: {}, loading: {}, errors: {} };
}

/**
 * The open, visible folders whose children still need fetching: not loaded, not loading and
 * not failed (a failed folder waits until it is opened again).
 */
export function pendingLoads(s: TreeState): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!isLoaded(s, dir)) {
      if (!s.loading[dir] && !(dir in s.errors)) out.push(dir);
      return;
    }
    for (const n of s.children[dir]) if (n.type === 'directory' && s.expanded[n.path]) walk(n.path);
  };
  walk(ROOT);
  return out;
}

/** Rows in display order: each open folder's loaded children follow it, one level deeper. */
export function visibleRows(s: TreeState): TreeRow[] {
  const rows: TreeRow[] = [];
  const walk = (dir: string, depth: number) => {
    for (const node of s.children[dir] ?? []) {
      const open = node.type === 'directory' && !!s.expanded[node.path];
      rows.push({ node, depth, expanded: open, loading: !!s.loading[node.path], error: s.errors[node.path] ?? null });
      if (open) walk(node.path, depth + 1);
    }
  };
  walk(ROOT, 0);
  return rows;
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? ROOT : path.slice(0, i);
}

/** The folders to open, outermost first, to reveal `file` in the tree. */
export function ancestors(file: string): string[] {
  const out: string[] = [];
  for (let dir = parentOf(file); dir !== ROOT; dir = parentOf(dir)) out.unshift(dir);
  return out;
}

/** Where an arrow key moves focus in the tree from row `index` (or stays: -1). */
export function moveFocus(rows: TreeRow[], index: number, key: string): { index: number; toggle?: string } {
  const row = rows[index];
  if (!row) return { index: rows.length ? 0 : -1 };
  switch (key) {
    case 'ArrowDown': return { index: Math.min(index + 1, rows.length - 1) };
    case 'ArrowUp': return { index: Math.max(index - 1, 0) };
    case 'Home': return { index: 0 };
    case 'End': return { index: rows.length - 1 };
    case 'ArrowRight':
      if (row.node.type !== 'directory') return { index };
      if (!row.expanded) return { index, toggle: row.node.path };
      return { index: rows[index + 1]?.depth === row.depth + 1 ? index + 1 : index };
    case 'ArrowLeft': {
      if (row.node.type === 'directory' && row.expanded) return { index, toggle: row.node.path };
      const parent = parentOf(row.node.path);
      const at = rows.findIndex((r) => r.node.path === parent);
      return { index: at >= 0 ? at : index };
    }
    default: return { index };
  }
}
