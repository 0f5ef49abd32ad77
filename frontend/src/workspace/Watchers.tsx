/**
 * Who watches a session through view-only links (#17): the count and each viewer's address in
 * the session drawer, each with a Disconnect button. Polled while the drawer is open; shows
 * nothing while nobody watches and no link is live.
 */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { errorText } from '../errorText';
import { viewLinks, type Viewers } from '../settings/viewLinksApi';

const POLL_MS = 5000;

export function Watchers({ sessionId, name }: { sessionId: string; name: string }) {
  const state = useSignal<Viewers | null>(null);
  const error = useSignal<string | null>(null);

  const load = async () => {
    try {
      state.value = await viewLinks.list(sessionId);
      error.value = null;
    } catch (err) {
      error.value = errorText(err);
    }
  };
  useEffect(() => {
    state.value = null;
    void load();
    const timer = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(timer);
  }, [sessionId]);

  const s = state.value;
  if (!s || (s.viewers.length === 0 && s.links.length === 0)) return null;
  const count = s.viewers.length;
  return (
    <section class="drawer-watchers" aria-label={`Watching ${name}`}>
      <p class="drawer-watchers-count" role="status">
        {count === 0 ? 'Nobody is watching' : `${count} watching`} · {s.links.length} view-only link{s.links.length === 1 ? '' : 's'}
      </p>
      {count > 0 && (
        <ul class="drawer-watchers-list">
          {s.viewers.map((v) => (
            <li key={v.id}>
              <span class="drawer-watcher-address">{v.address}</span>
              <button
                type="button"
                class="btn"
                aria-label={`Disconnect viewer ${v.address}`}
                onClick={() => void viewLinks.disconnect(sessionId, v.id).then(load, (err) => (error.value = errorText(err)))}
              >
                Disconnect
              </button>
            </li>
          ))}
        </ul>
      )}
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
    </section>
  );
}
