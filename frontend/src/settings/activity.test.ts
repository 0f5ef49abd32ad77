import { describe, expect, it } from 'vitest';
import { auditQuery, details, type AuditEntry } from './ActivitySection';

describe('Activity (audit log)', () => {
  it('shows the event fields after the head, lists joined, nulls left out', () => {
    const entry: AuditEntry = {
      ts: '2026-12-07T03:00:00.000Z', event: 'settings.changed', address: '10.0.0.1', actor: 'owner',
      keys: ['fontSize', 'theme'], session: null,
    };
    expect(details(entry)).toBe('keys fontSize, theme');
  });

  it('asks for one page, of one event, before a time', () => {
    expect(auditQuery('', null)).toBe('/api/audit?limit=50');
    expect(auditQuery('login.failed', '2026-12-07T03:00:00.000Z')).toBe(
      '/api/audit?limit=50&event=login.failed&before=2026-12-07T03%3A00%3A00.000Z',
    );
  });
});
