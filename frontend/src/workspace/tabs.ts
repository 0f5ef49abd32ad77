/**
 * Tab order: the user's drag order persisted in localStorage `termbeam-tab-order`, applied to
 * the server's session list (unknown sessions go last in server order; stale ids are dropped).
 */

export const TAB_ORDER_KEY = 'termbeam-tab-order';

/** `ids` sorted by `saved` (ids not in `saved` keep their relative order at the end). */
export function applyOrder(ids: string[], saved: string[]): string[] {
  const rank = new Map(saved.map((id, i) => [id, i]));
  const known = ids.filter((id) => rank.has(id)).sort((a, b) => (rank.get(a) as number) - (rank.get(b) as number));
  return [...known, ...ids.filter((id) => !rank.has(id))];
}

/** Move `id` to position `to` (clamped). Returns a new array; unchanged when `id` is absent. */
export function moveTab(order: string[], id: string, to: number): string[] {
  const from = order.indexOf(id);
  if (from < 0) return order;
  const out = order.slice();
  out.splice(from, 1);
  out.splice(Math.max(0, Math.min(to, out.length)), 0, id);
  return out;
}

/** The drop index for a pointer at `x` given each tab's [left, right] box (in order, excluding nothing). */
export function dropIndex(boxes: Array<{ left: number; right: number }>, x: number): number {
  for (let i = 0; i < boxes.length; i++) {
    if (x < (boxes[i].left + boxes[i].right) / 2) return i;
  }
  return Math.max(0, boxes.length - 1);
}

/** The tab shown next to `active` in split view: the one after it, wrapping around. */
export function splitPartner(order: string[], active: string): string | null {
  if (order.length < 2) return null;
  const i = order.indexOf(active);
  return order[(i + 1) % order.length] === active ? null : order[(i + 1) % order.length];
}

export function loadOrder(storage: Pick<Storage, 'getItem'> | null = safeStorage()): string[] {
  try {
    const raw = storage?.getItem(TAB_ORDER_KEY);
    const v: unknown = raw ? JSON.parse(raw) : [];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

export function saveOrder(order: string[], storage: Pick<Storage, 'setItem'> | null = safeStorage()): void {
  try {
    storage?.setItem(TAB_ORDER_KEY, JSON.stringify(order));
  } catch {
    /* storage full or blocked: the order lasts for this page only */
  }
}

function safeStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
