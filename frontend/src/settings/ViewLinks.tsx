/**
 * The share sheet's "View-only link" part: pick a session and an expiry, make a link that
 * only watches that session (QR code, copy), and see and revoke that session's live links.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useId, useRef } from 'preact/hooks';
import { api, type SessionInfo } from '../api';
import { errorText } from '../errorText';
import { copyText } from './clipboard';
import { QrCode } from './QrCode';
import { EXPIRY_CHOICES, clock, viewLinks, type Viewers } from './viewLinksApi';

export function ViewLinks() {
  const sessions = useSignal<SessionInfo[]>([]);
  const chosen = useSignal('');
  const expiry = useSignal('1h');
  const made = useSignal<{ url: string; expiresAt: number } | null>(null);
  const live = useSignal<Viewers | null>(null);
  const error = useSignal<string | null>(null);
  const copied = useSignal<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  const refresh = async (sid = chosen.value) => {
    if (!sid) return;
    try {
      live.value = await viewLinks.list(sid);
    } catch (err) {
      error.value = errorText(err);
    }
  };

  useEffect(() => {
    api
      .sessions()
      .then((list) => {
        sessions.value = list;
        const params = new URLSearchParams(location.search);
        const current = params.get('id') ?? '';
        chosen.value = list.some((s) => s.id === current) ? current : (list[0]?.id ?? '');
        void refresh();
      })
      .catch((err) => (error.value = errorText(err)));
  }, []);

  const create = async () => {
    error.value = copied.value = null;
    try {
      const res = await viewLinks.create(chosen.value, expiry.value);
      made.value = { url: res.url, expiresAt: res.expiresAt };
      await refresh();
    } catch (err) {
      error.value = errorText(err);
    }
  };
  const revoke = async (linkId: string) => {
    try {
      await viewLinks.revoke(chosen.value, linkId);
      made.value = null;
      await refresh();
    } catch (err) {
      error.value = errorText(err);
    }
  };
  const copy = async () => {
    if (!made.value) return;
    copied.value = (await copyText(made.value.url, input.current)) ? 'Link copied.' : 'Select the link above and copy it.';
  };

  if (sessions.value.length === 0 && !error.value) return null;
  const links = live.value?.links ?? [];
  return (
    <section class="view-links" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>View-only link</h3>
      <p class="share-meta muted">Lets someone watch one session live, without typing or seeing anything else.</p>
      <div class="view-links-form">
        <label>
          Session
          <select
            value={chosen.value}
            onChange={(e) => {
              chosen.value = e.currentTarget.value;
              made.value = null;
              void refresh();
            }}
          >
            {sessions.value.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Expires after
          <select value={expiry.value} onChange={(e) => (expiry.value = e.currentTarget.value)}>
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.value} value={c.value}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <button type="button" class="btn primary" onClick={() => void create()} disabled={!chosen.value}>
          Create view-only link
        </button>
      </div>
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
      {made.value && (
        <div class="view-link-made">
          <QrCode text={made.value.url} label="QR code of the view-only link" />
          <label for={`${id}-url`} class="share-meta muted">
            View-only link (until {clock(made.value.expiresAt)})
          </label>
          <input id={`${id}-url`} ref={input} class="share-url" type="text" readOnly value={made.value.url} onFocus={(e) => e.currentTarget.select()} />
          <div class="share-actions">
            <button type="button" class="btn primary" onClick={() => void copy()}>
              Copy view-only link
            </button>
          </div>
          {copied.value && (
            <p class="share-meta" role="status">
              {copied.value}
            </p>
          )}
        </div>
      )}
      {links.length > 0 && (
        <ul class="view-links-list" aria-label="Live view-only links">
          {links.map((l) => (
            <li key={l.id}>
              <span>
                Until {clock(l.expiresAt)} · {l.viewers} watching
              </span>
              <button type="button" class="btn small danger" aria-label={`Revoke view-only link ${l.id}`} onClick={() => void revoke(l.id)}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
