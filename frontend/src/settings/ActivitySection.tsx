/**
 * Settings → Security → Activity: the server's audit log (#17), newest first, filterable by
 * event and paged ("Show older" asks for the entries before the last one shown). Read through
 * GET /api/audit; entries never hold a secret, so every field is shown as it is.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useId } from 'preact/hooks';
import { request } from '../api';
import { errorText } from '../errorText';
import './activity.css';

export interface AuditEntry {
  /** ISO 8601 UTC time with milliseconds. */
  ts: string;
  event: string;
  address: string | null;
  actor: string | null;
  [field: string]: unknown;
}

interface AuditPage {
  entries: AuditEntry[];
  next: string | null;
  events: string[];
}

const PAGE = 50;
const HEAD = new Set(['ts', 'event', 'address', 'actor']);

/** The event's own fields as `key value` pairs, in the server's order. */
export function details(entry: AuditEntry): string {
  return Object.entries(entry)
    .filter(([key, value]) => !HEAD.has(key) && value !== null && value !== undefined)
    .map(([key, value]) => `${key} ${Array.isArray(value) ? value.join(', ') : String(value)}`)
    .join(' · ');
}

export function auditQuery(event: string, before: string | null): string {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (event) query.set('event', event);
  if (before) query.set('before', before);
  return `/api/audit?${query.toString()}`;
}

export function ActivitySection() {
  const entries = useSignal<AuditEntry[] | null>(null);
  const events = useSignal<string[]>([]);
  const next = useSignal<string | null>(null);
  const event = useSignal('');
  const error = useSignal<string | null>(null);
  const filterId = useId();

  const load = async (more: boolean) => {
    try {
      const page = await request<AuditPage>(auditQuery(event.value, more ? next.value : null));
      entries.value = more ? [...(entries.value ?? []), ...page.entries] : page.entries;
      events.value = page.events;
      next.value = page.next;
      error.value = null;
    } catch (err) {
      error.value = errorText(err);
    }
  };
  useEffect(() => {
    void load(false);
  }, []);

  const pick = (value: string) => {
    event.value = value;
    entries.value = null;
    void load(false);
  };

  return (
    <div class="activity">
      <h3>Activity</h3>
      <div class="field">
        <label for={filterId}>Event</label>
        <select id={filterId} value={event.value} onChange={(e) => pick(e.currentTarget.value)}>
          <option value="">All events</option>
          {events.value.map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
      </div>
      {error.value && (
        <p class="error" role="alert">
          {error.value}
        </p>
      )}
      {entries.value === null ? (
        !error.value && <p class="muted">Loading activity…</p>
      ) : entries.value.length === 0 ? (
        <p class="muted">Nothing recorded{event.value ? ` for ${event.value}` : ''}.</p>
      ) : (
        <ol class="activity-list" aria-label="Activity">
          {entries.value.map((entry, index) => (
            <li key={`${entry.ts}-${index}`} class="activity-row" data-event={entry.event}>
              <div>
                <span class="activity-event">{entry.event}</span>
                <time dateTime={entry.ts}>{new Date(entry.ts).toLocaleString()}</time>
              </div>
              <div class="activity-meta">
                {[entry.actor, entry.address, details(entry)].filter(Boolean).join(' · ')}
              </div>
            </li>
          ))}
        </ol>
      )}
      {next.value && (
        <button type="button" class="btn" onClick={() => void load(true)}>
          Show older
        </button>
      )}
    </div>
  );
}
