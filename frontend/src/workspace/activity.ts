/**
 * Unread marks for tabs without a live view: a hidden tab whose server-side `lastActivity`
 * moved between two polls of the session list is unread until selected. Pure.
 */
import type { SessionInfo } from '../api';

export type ActivityMap = Record<string, number | string | undefined>;

/**
 * The new `lastActivity` snapshot and unread set after a poll.
 *
 * `hidden(id)`: the tab is neither selected nor has a view of its own (a view tracks its own
 * unread output). Sessions seen for the first time are never unread.
 */
export function trackActivity(
  list: ReadonlyArray<Pick<SessionInfo, 'id' | 'lastActivity'>>,
  prev: ActivityMap,
  unread: ReadonlySet<string>,
  hidden: (id: string) => boolean,
): { activity: ActivityMap; unread: Set<string> } {
  const activity: ActivityMap = {};
  const next = new Set(unread);
  for (const s of list) {
    activity[s.id] = s.lastActivity;
    if (hidden(s.id) && s.id in prev && prev[s.id] !== s.lastActivity) next.add(s.id);
  }
  return { activity, unread: next };
}

/** `unread` without `id` (the same set when `id` was not in it). */
export function markRead(unread: Set<string>, id: string): Set<string> {
  if (!unread.has(id)) return unread;
  const next = new Set(unread);
  next.delete(id);
  return next;
}
