import { describe, expect, it } from 'vitest';
import type { Workspace } from '../state/prefs';
import {
  changelogSections, countdown, humanDuration, moveItem, qrPath, renameWorkspace, toggleDefaultWorkspace,
  tunnelBanner, updateBanner,
} from './logic';

describe('tunnel banner', () => {
  it('says nothing without a tunnel or when connected without a URL', () => {
    expect(tunnelBanner(null)).toBeNull();
    expect(tunnelBanner({ state: 'connected' })).toBeNull();
  });
  it('offers a dismissible "tunnel up" line when connected', () => {
    expect(tunnelBanner({ state: 'connected', url: 'https://x.devtunnels.ms' })).toMatchObject({
      tone: 'success', dismissible: true, text: 'Tunnel up: https://x.devtunnels.ms',
    });
  });
  it('counts down an expiring login', () => {
    const b = tunnelBanner({ state: 'expiring', expiresIn: 1800, provider: 'github' });
    expect(b?.tone).toBe('warning');
    expect(b?.text).toContain('expires in 30 min');
  });
  it('explains reconnect attempts and the next try', () => {
    expect(tunnelBanner({ state: 'reconnecting', attempt: 3, retryIn: 5 })?.text).toBe(
      'Tunnel connection lost, reconnecting (attempt 3, next try in 5 s)…',
    );
    expect(tunnelBanner({ state: 'reconnecting' })?.text).toBe('Tunnel connection lost, reconnecting…');
    expect(tunnelBanner({ state: 'reconnecting', retryIn: 120 })?.text).toContain('(next try in 2 min)');
  });
  it('marks lost logins and give-ups as errors and keeps the server message', () => {
    const expired = tunnelBanner({ state: 'auth-expired', message: 'Run: devtunnel user login' });
    expect(expired).toMatchObject({ tone: 'danger', dismissible: false });
    expect(expired?.text).toMatch(/login expired.*Run: devtunnel user login$/);
    expect(tunnelBanner({ state: 'failed' })?.tone).toBe('danger');
    expect(tunnelBanner({ state: 'disconnected' })?.text).toBe('The tunnel is disconnected.');
  });
});

describe('update banner', () => {
  it('follows the update state machine', () => {
    expect(updateBanner(null)).toBeNull();
    expect(updateBanner({ status: 'idle' })).toBeNull();
    expect(updateBanner({ status: 'installing', phase: 'Installing update...' })?.text).toBe('Updating TermBeam: Installing update...');
    expect(updateBanner({ status: 'restarting', toVersion: '1.2.0' })?.text).toContain('TermBeam 1.2.0 is installed');
    expect(updateBanner({ status: 'failed', error: 'Install timed out' })).toMatchObject({
      tone: 'danger', dismissible: true, text: 'Update failed: Install timed out',
    });
  });
});

describe('formatting', () => {
  it('formats durations and countdowns', () => {
    expect(humanDuration(42)).toBe('42 s');
    expect(humanDuration(3900)).toBe('1 h 5 min');
    expect(humanDuration(7200)).toBe('2 h');
    expect(countdown(299.2)).toBe('5:00');
    expect(countdown(61)).toBe('1:01');
    expect(countdown(-3)).toBe('0:00');
  });
});

describe('workspace edits', () => {
  const ws: Workspace[] = [
    { id: 'a', name: 'A', sessions: [] },
    { id: 'b', name: 'B', sessions: [], default: true },
    { id: 'c', name: 'C', sessions: [] },
  ];
  it('moves items and clamps at the ends', () => {
    expect(moveItem(ws, 0, 1).map((w) => w.id)).toEqual(['b', 'a', 'c']);
    expect(moveItem(ws, 2, -1).map((w) => w.id)).toEqual(['a', 'c', 'b']);
    expect(moveItem(ws, 0, -1).map((w) => w.id)).toEqual(['a', 'b', 'c']);
    expect(moveItem(ws, 2, 5).map((w) => w.id)).toEqual(['a', 'b', 'c']);
  });
  it('keeps at most one default and toggles it off', () => {
    expect(toggleDefaultWorkspace(ws, 'c').map((w) => w.default)).toEqual([false, false, true]);
    expect(toggleDefaultWorkspace(ws, 'b').map((w) => w.default)).toEqual([false, false, false]);
  });
  it('renames one workspace without touching the input list', () => {
    expect(renameWorkspace(ws, 'a', 'Alpha')[0].name).toBe('Alpha');
    expect(ws[0].name).toBe('A');
  });
});

describe('changelog', () => {
  it('splits releases at level-2 headings', () => {
    const md = '# Changelog\n\nIntro\n\n## [Unreleased]\n### Added\n- x (#8)\n\n## [1.0.0] - 2026-01-01\n- first\n';
    expect(changelogSections(md)).toEqual([
      { title: 'Unreleased', body: '### Added\n- x (#8)' },
      { title: '1.0.0 - 2026-01-01', body: '- first' },
    ]);
  });
});

describe('QR drawing', () => {
  it('merges runs of dark modules into rectangles', () => {
    const grid = ['##.', '...', '#.#'];
    expect(qrPath(3, (r, c) => grid[r][c] === '#')).toBe('M0 0h2v1h-2zM0 2h1v1h-1zM2 2h1v1h-1z');
  });
});
