/** What each tab shows (name, colour, unread dot, ended) from the session list and its view. Pure. */
import type { SessionInfo } from '../api';
import type { TabInfo } from './TabBar';

/** The parts of a tab's live view that the tab shows; undefined when it has no view yet. */
export interface TabViewState {
  unread: boolean;
  ended: { kind: string } | null;
}

export interface TabSources {
  sessions: SessionInfo[];
  view(id: string): TabViewState | undefined;
  /** Tabs without a view whose session had activity (activity.ts). */
  activityUnread: ReadonlySet<string>;
  /** Tabs on screen are never unread. */
  visible: string[];
}

export function buildTabs(ids: string[], src: TabSources): TabInfo[] {
  return ids.map((id) => {
    const s = src.sessions.find((x) => x.id === id);
    const v = src.view(id);
    return {
      id,
      name: s?.name ?? (v?.ended?.kind === 'notfound' ? 'Not found' : 'Session'),
      color: s?.color,
      unread: (v ? v.unread : src.activityUnread.has(id)) && !src.visible.includes(id),
      ended: !!v?.ended,
      recording: !!s?.recording,
    };
  });
}
