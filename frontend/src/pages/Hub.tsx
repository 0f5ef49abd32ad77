/** / (hub): session cards polled every 3 s, new-session form, delete. */
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { api, type SessionInfo } from '../api';
import { NewSessionForm } from './NewSessionForm';
import { NotifySettings } from './NotifySettings';
import { onFocusedPush } from '../notify';

export const POLL_MS = 3000;

export function terminalUrl(id: string): string {
  return `/terminal?id=${encodeURIComponent(id)}`;
}

function SessionCard({ s, onDelete }: { s: SessionInfo; onDelete: (s: SessionInfo) => void }) {
  const branch = s.git && typeof s.git.branch === 'string' ? s.git.branch : null;
  return (
    <li class="card" style={{ '--session-color': s.color || 'var(--accent)' }}>
      <a class="card-main" href={terminalUrl(s.id)} aria-label={`Open session ${s.name}`}>
        <span class="dot" aria-hidden="true" />
        <span class="card-text">
          <span class="card-name">{s.name}</span>
          <span class="card-meta">
            {s.shell} · pid {s.pid}
            {s.clients > 0 ? ` · ${s.clients} connected` : ''}
            {branch ? ` · ⎇ ${branch}` : ''}
          </span>
          <span class="card-cwd">{s.cwd}</span>
        </span>
      </a>
      <button type="button" class="btn icon danger" aria-label={`Delete session ${s.name}`} title="Delete" onClick={() => onDelete(s)}>
        ✕
      </button>
    </li>
  );
}

export function Hub() {
  const sessions = useSignal<SessionInfo[] | null>(null);
  const error = useSignal<string | null>(null);
  const showNew = useSignal(false);
  const toast = useSignal<string | null>(null);

  useEffect(
    () =>
      onFocusedPush((p) => {
        const text = p.title ?? 'Command finished';
        toast.value = text;
        setTimeout(() => toast.value === text && (toast.value = null), 5000);
      }),
    [],
  );

  const refresh = async () => {
    try {
      const list = await api.sessions();
      sessions.value = Array.isArray(list) ? list : [];
      error.value = null;
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  };

  useEffect(() => {
    document.title = 'TermBeam';
    void refresh();
    const t = setInterval(() => void refresh(), POLL_MS);
    const onVis = () => document.visibilityState === 'visible' && void refresh();
    document.addEventListener('visibilitychange', onVis);
    return () => {
      clearInterval(t);
      document.removeEventListener('visibilitychange', onVis);
    };
  }, []);

  const remove = async (s: SessionInfo) => {
    if (!confirm(`Delete session "${s.name}"? Its shell will be killed.`)) return;
    try {
      await api.deleteSession(s.id);
      sessions.value = (sessions.value ?? []).filter((x) => x.id !== s.id);
    } catch (err) {
      error.value = err instanceof Error ? err.message : String(err);
    }
  };

  const list = sessions.value;
  return (
    <main class="hub">
      <header class="topbar">
        <h1 class="brand">TermBeam</h1>
        <NotifySettings />
        <button type="button" class="btn primary" aria-expanded={showNew.value} onClick={() => (showNew.value = !showNew.value)}>
          + New session
        </button>
      </header>
      {toast.value && (
        <p class="toast" role="status">
          {toast.value}
        </p>
      )}
      {showNew.value && <NewSessionForm onCancel={() => (showNew.value = false)} />}
      {error.value && (
        <p class="error banner" role="alert">
          {error.value}
        </p>
      )}
      {list === null ? (
        <p class="muted">Loading sessions…</p>
      ) : list.length === 0 ? (
        <p class="muted">No sessions. Create one to get a shell.</p>
      ) : (
        <ul class="cards" aria-label="Sessions">
          {list.map((s) => (
            <SessionCard key={s.id} s={s} onDelete={remove} />
          ))}
        </ul>
      )}
    </main>
  );
}
