/**
 * Open editor tabs: files and diffs, each at most once, with one active. Pure functions over
 * an immutable list, so the view keeps them in a signal.
 */

export type DiffKind = 'staged' | 'unstaged' | 'untracked';

export type Tab =
  | { kind: 'file'; path: string }
  | { kind: 'diff'; path: string; diff: DiffKind };

export interface Tabs {
  list: Tab[];
  active: string | null;
}

export function tabKey(t: Tab): string {
  return t.kind === 'file' ? `file:${t.path}` : `diff:${t.diff}:${t.path}`;
}

export function tabLabel(t: Tab): string {
  const name = t.path.slice(t.path.lastIndexOf('/') + 1);
  return t.kind === 'file' ? name : `${name} (${t.diff})`;
}

export const noTabs: Tabs = { list: [], active: null };

/** Focus the tab if open; otherwise open it right after the active one. */
export function openTab(s: Tabs, tab: Tab): Tabs {
  const key = tabKey(tab);
  if (s.list.some((t) => tabKey(t) === key)) return { ...s, active: key };
  const at = s.list.findIndex((t) => tabKey(t) === s.active);
  const list = [...s.list];
  list.splice(at < 0 ? list.length : at + 1, 0, tab);
  return { list, active: key };
}

/** Close a tab; closing the active one activates its right neighbour (or the left one). */
export function closeTab(s: Tabs, key: string): Tabs {
  const at = s.list.findIndex((t) => tabKey(t) === key);
  if (at < 0) return s;
  const list = s.list.filter((_, i) => i !== at);
  if (s.active !== key) return { list, active: s.active };
  const next = list[at] ?? list[at - 1];
  return { list, active: next ? tabKey(next) : null };
}

/** The key of the tab `delta` places from the active one, wrapping around. */
export function cycle(s: Tabs, delta: number): string | null {
  if (s.list.length === 0) return null;
  const at = Math.max(0, s.list.findIndex((t) => tabKey(t) === s.active));
  const n = s.list.length;
  return tabKey(s.list[(((at + delta) % n) + n) % n]);
}

export function activeTab(s: Tabs): Tab | null {
  return s.list.find((t) => tabKey(t) === s.active) ?? null;
}
