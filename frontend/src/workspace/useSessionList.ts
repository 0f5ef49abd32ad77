/**
 * The server's session list for the workspace: fetched on mount, polled every 3 s while the
 * page is visible and again when it becomes visible, with unread marks for hidden tabs.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { api, type SessionInfo } from '../api';
import { markRead, trackActivity, type ActivityMap } from './activity';

export const POLL_MS = 3000;

/** `hidden(id)`: see trackActivity; read at poll time. */
export function useSessionList(hidden: (id: string) => boolean) {
  const sessions = useSignal<SessionInfo[]>([]);
  const activity = useSignal<ActivityMap>({});
  const activityUnread = useSignal<Set<string>>(new Set());
  const isHidden = useRef(hidden);
  isHidden.current = hidden;

  const refresh = async () => {
    try {
      const list = await api.sessions();
      const next = trackActivity(list, activity.peek(), activityUnread.peek(), (id) => isHidden.current(id));
      activity.value = next.activity;
      activityUnread.value = next.unread;
      sessions.value = list;
    } catch {
      /* offline: the connection banners say so; keep the last list */
    }
  };

  useEffect(() => {
    void refresh();
    const t = setInterval(() => document.visibilityState === 'visible' && void refresh(), POLL_MS);
    const onVis = () => document.visibilityState === 'visible' && void refresh();
    document.addEventListener('visibilitychange', onVis);
    return () => {
      clearInterval(t);
      document.removeEventListener('visibilitychange', onVis);
    };
  }, []);

  return {
    sessions,
    activityUnread,
    refresh,
    /** Clear the activity mark of `id` (it was selected). */
    markRead: (id: string) => {
      const next = markRead(activityUnread.peek(), id);
      if (next !== activityUnread.peek()) activityUnread.value = next;
    },
    /** Drop `id` from the list until the next poll (its tab was closed). */
    drop: (id: string) => (sessions.value = sessions.peek().filter((s) => s.id !== id)),
    rename: (id: string, name: string) => (sessions.value = sessions.peek().map((s) => (s.id === id ? { ...s, name } : s))),
  };
}
