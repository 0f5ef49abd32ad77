import { describe, expect, it } from 'vitest';
import { cardSummary, drawerSessions, isSwipeClose } from './drawer';

describe('cardSummary', () => {
  it('joins the shell name and the cwd with home as ~', () => {
    expect(cardSummary('/usr/bin/bash', '/home/ada/src/app')).toBe('bash · ~/src/app');
    expect(cardSummary('C:\\Windows\\pwsh.exe', '/srv/app')).toBe('pwsh · /srv/app');
  });
  it('drops empty parts', () => {
    expect(cardSummary('', '/root')).toBe('~');
    expect(cardSummary('/bin/zsh', '')).toBe('zsh');
  });
});

describe('isSwipeClose', () => {
  it('needs a long, mostly horizontal leftward drag', () => {
    expect(isSwipeClose(-80, 10)).toBe(true);
    expect(isSwipeClose(-30, 0)).toBe(false);
    expect(isSwipeClose(80, 0)).toBe(false);
    expect(isSwipeClose(-80, 70)).toBe(false);
  });
});

describe('drawerSessions', () => {
  it('keeps tab order and adds each session’s details', () => {
    const tab = (id: string) => ({ id, name: id, unread: false, ended: false });
    const info = { id: 'b', name: 'b', cwd: '/srv', shell: '/bin/sh', pid: 1, clients: 0, createdAt: '', git: { branch: 'main' } };
    expect(drawerSessions([tab('b'), tab('gone')], [info])).toEqual([
      { ...tab('b'), shell: '/bin/sh', cwd: '/srv', git: { branch: 'main' } },
      { ...tab('gone'), shell: '', cwd: '', git: undefined },
    ]);
  });
});
