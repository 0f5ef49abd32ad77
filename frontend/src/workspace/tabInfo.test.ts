import { describe, expect, it } from 'vitest';
import type { SessionInfo } from '../api';
import { buildTabs, type TabViewState } from './tabInfo';

const session = (id: string, name: string, color?: string): SessionInfo => ({
  id,
  name,
  color,
  cwd: '/',
  shell: 'sh',
  pid: 1,
  clients: 0,
  createdAt: '',
});

describe('buildTabs', () => {
  const views: Record<string, TabViewState> = {
    live: { unread: true, ended: null },
    gone: { unread: false, ended: { kind: 'notfound' } },
    done: { unread: true, ended: { kind: 'exit' } },
  };
  const src = {
    sessions: [session('live', 'build', '#f00'), session('idle', 'logs')],
    view: (id: string) => views[id],
    activityUnread: new Set(['idle']),
    visible: [] as string[],
  };

  it('takes name and colour from the session, unread from the view or the activity marks', () => {
    expect(buildTabs(['live', 'idle'], src)).toEqual([
      { id: 'live', name: 'build', color: '#f00', unread: true, ended: false, recording: false },
      { id: 'idle', name: 'logs', color: undefined, unread: true, ended: false, recording: false },
    ]);
  });

  it('marks the tab of a session being recorded (#19)', () => {
    const sessions = [{ ...session('live', 'build'), recording: true }, session('idle', 'logs')];
    expect(buildTabs(['live', 'idle', 'gone'], { ...src, sessions }).map((t) => t.recording)).toEqual([true, false, false]);
  });

  it('names tabs the server no longer lists by how they ended', () => {
    const [gone, done, unknown] = buildTabs(['gone', 'done', 'unknown'], src);
    expect([gone.name, gone.ended]).toEqual(['Not found', true]);
    expect([done.name, done.ended]).toEqual(['Session', true]);
    expect([unknown.name, unknown.ended, unknown.unread]).toEqual(['Session', false, false]);
  });

  it('never marks a tab on screen unread', () => {
    const [live, idle] = buildTabs(['live', 'idle'], { ...src, visible: ['live', 'idle'] });
    expect([live.unread, idle.unread]).toEqual([false, false]);
  });
});
