/**
 * Settings → Security: scoped API tokens for scripts (#17). Lists them (name, scope, session,
 * created, expires, last used), makes one (its text is shown once, with a copy button: the
 * server keeps only a hash) and revokes one after our confirm sheet. All through /api/tokens.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useId, useRef } from 'preact/hooks';
import { api, request, type SessionInfo } from '../api';
import { errorText } from '../errorText';
import { ConfirmSheet } from '../ui/ConfirmSheet';
import { copyText } from './clipboard';
import './tokens.css';

export type TokenScope = 'read' | 'write' | 'admin';

export interface ApiToken {
  name: string;
  scope: TokenScope;
  /** The one session the token sees, or null for all. */
  session: string | null;
  /** Epoch seconds. */
  created: number;
  expires: number | null;
  lastUsed: number | null;
  expired: boolean;
}

const SCOPES: { value: TokenScope; label: string }[] = [
  { value: 'read', label: 'read: look only' },
  { value: 'write', label: 'write: also type, manage sessions' },
  { value: 'admin', label: 'admin: everything' },
];
const LIFETIMES = [
  { value: '', label: 'Never' },
  { value: '1h', label: '1 hour' },
  { value: '1d', label: '1 day' },
  { value: '7d', label: '7 days' },
  { value: '30d', label: '30 days' },
  { value: '90d', label: '90 days' },
];

function when(seconds: number | null, empty: string): string {
  if (seconds === null) return empty;
  return new Date(seconds * 1000).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function TokenRow({ token, sessionName, onRevoke }: { token: ApiToken; sessionName: string; onRevoke: () => void }) {
  return (
    <li class="token-row">
      <div>
        <span class="token-name">
          {token.name}
          <span class="token-scope">{token.scope}</span>
        </span>
        <span class="token-meta">{token.session ? `Session: ${sessionName}` : 'All sessions'}</span>
        <span class="token-meta">Created {when(token.created, '')}</span>
        <span class={`token-meta${token.expired ? ' expired' : ''}`}>{token.expired ? 'Expired' : `Expires: ${when(token.expires, 'never')}`}</span>
        <span class="token-meta">Last used: {when(token.lastUsed, 'never')}</span>
      </div>
      <button type="button" class="btn small danger" aria-label={`Revoke ${token.name}`} onClick={onRevoke}>
        Revoke
      </button>
    </li>
  );
}

/** The token just made: shown only until the section is closed. */
function NewToken({ name, token, onDone }: { name: string; token: string; onDone: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const copied = useSignal<string | null>(null);
  const id = useId();
  const copy = async () => {
    copied.value = (await copyText(token, input.current)) ? 'Token copied.' : 'Select the token above and copy it.';
  };
  return (
    <div class="token-new" role="region" aria-label="New token">
      <label for={id} class="token-meta">
        Token “{name}”. It is shown only now: store it somewhere safe.
      </label>
      <input id={id} ref={input} type="text" readOnly value={token} onFocus={(e) => e.currentTarget.select()} />
      <div class="token-actions">
        <button type="button" class="btn primary" onClick={() => void copy()}>
          Copy token
        </button>
        <button type="button" class="btn" onClick={onDone}>
          Done
        </button>
      </div>
      {copied.value && (
        <p class="token-meta" role="status">
          {copied.value}
        </p>
      )}
    </div>
  );
}

export function TokensSection() {
  const tokens = useSignal<ApiToken[] | null>(null);
  const sessions = useSignal<SessionInfo[]>([]);
  const error = useSignal<string | null>(null);
  const made = useSignal<{ name: string; token: string } | null>(null);
  const revoking = useSignal<string | null>(null);
  const busy = useSignal(false);
  const name = useSignal('');
  const scope = useSignal<TokenScope>('read');
  const session = useSignal('');
  const expires = useSignal('30d');
  const ids = { name: useId(), scope: useId(), session: useId(), expires: useId() };

  const load = async () => {
    try {
      tokens.value = await request<ApiToken[]>('/api/tokens');
      error.value = null;
    } catch (err) {
      error.value = errorText(err);
    }
  };
  useEffect(() => {
    void load();
    api.sessions().then(
      (list) => (sessions.value = list),
      () => {}, // the list still works; the session picker offers "All sessions" only
    );
  }, []);

  const sessionName = (id: string) => sessions.value.find((s) => s.id === id)?.name ?? `${id.slice(0, 8)} (ended)`;

  const create = async (e: Event) => {
    e.preventDefault();
    busy.value = true;
    try {
      const body: Record<string, string> = { name: name.value.trim(), scope: scope.value };
      if (session.value) body.session = session.value;
      if (expires.value) body.expiresIn = expires.value;
      const res = await request<ApiToken & { token: string }>('/api/tokens', { method: 'POST', body });
      made.value = { name: res.name, token: res.token };
      name.value = '';
      await load();
    } catch (err) {
      error.value = errorText(err);
    } finally {
      busy.value = false;
    }
  };

  const revoke = async (tokenName: string) => {
    try {
      await request<void>(`/api/tokens/${encodeURIComponent(tokenName)}`, { method: 'DELETE' });
      if (made.value?.name === tokenName) made.value = null;
      await load();
    } catch (err) {
      error.value = errorText(err);
    }
  };

  const target = revoking.value;
  return (
    <div class="tokens">
      <p class="muted">
        API tokens let scripts use this server without the password: <code>Authorization: Bearer &lt;token&gt;</code>. Give each the least it needs.
      </p>
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
      {made.value && <NewToken name={made.value.name} token={made.value.token} onDone={() => (made.value = null)} />}
      {tokens.value === null ? (
        !error.value && <p class="muted">Loading tokens…</p>
      ) : tokens.value.length === 0 ? (
        <p class="muted">No API tokens yet.</p>
      ) : (
        <ul class="token-list" aria-label="API tokens">
          {tokens.value.map((t) => (
            <TokenRow key={t.name} token={t} sessionName={t.session ? sessionName(t.session) : ''} onRevoke={() => (revoking.value = t.name)} />
          ))}
        </ul>
      )}
      <form class="token-form" aria-label="New API token" onSubmit={(e) => void create(e)}>
        <div class="field">
          <label for={ids.name}>Name</label>
          <input
            id={ids.name}
            type="text"
            required
            maxLength={64}
            pattern="[A-Za-z0-9][A-Za-z0-9._\-]*"
            spellcheck={false}
            autocapitalize="off"
            autocomplete="off"
            placeholder="ci"
            value={name.value}
            onInput={(e) => (name.value = e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for={ids.scope}>Scope</label>
          <select id={ids.scope} value={scope.value} onChange={(e) => (scope.value = e.currentTarget.value as TokenScope)}>
            {SCOPES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for={ids.session}>Session</label>
          <select id={ids.session} value={session.value} onChange={(e) => (session.value = e.currentTarget.value)}>
            <option value="">All sessions</option>
            {sessions.value.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for={ids.expires}>Expires</label>
          <select id={ids.expires} value={expires.value} onChange={(e) => (expires.value = e.currentTarget.value)}>
            {LIFETIMES.map((l) => (
              <option key={l.value} value={l.value}>
                {l.label}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" class="btn primary" disabled={busy.value}>
          Create token
        </button>
      </form>
      {target && (
        // ConfirmSheet closes (clearing `revoking`) before it confirms: `target` keeps the name.
        <ConfirmSheet title="Revoke token?" confirm="Revoke" onClose={() => (revoking.value = null)} onConfirm={() => void revoke(target)}>
          <p>Scripts using “{target}” are refused from their next request. This cannot be undone.</p>
        </ConfirmSheet>
      )}
    </div>
  );
}
