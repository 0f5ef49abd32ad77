/**
 * Which tabs exist and which are on screen: the tab list, the panes shown (the active tab plus
 * its split-view partner) and the tab selected after one closes. Pure.
 */
import { applyOrder } from './tabs';

/** The server's sessions plus opened tabs the server no longer lists (ended), in the saved order. */
export function tabIdsOf(sessionIds: string[], opened: string[], order: string[]): string[] {
  const ids = sessionIds.slice();
  for (const id of opened) if (!ids.includes(id)) ids.push(id);
  return applyOrder(ids, order);
}

export function visibleIdsOf(active: string, partner: string | null): string[] {
  return partner ? [active, partner] : [active];
}

/** The tab to select once `closing` is gone: the one that slides into its place, else the new last; null when none is left. */
export function nextAfterClose(ids: string[], closing: string): string | null {
  const i = ids.indexOf(closing);
  const rest = ids.filter((x) => x !== closing);
  if (rest.length === 0) return null;
  return rest[Math.max(0, Math.min(i, rest.length - 1))];
}
