import { describe, expect, it } from 'vitest';
import { cardParts, drawerSessions, isSwipeClose } from './drawer';

describe('cardParts', () => {
  it('gives the shell name and the cwd with home as ~', () => {
    expect(cardParts('/usr/bin/bash', '/home/ada/src/app')).toEqual({ shell: 'bash', where: '~/src/app' });
    expect(cardParts('C:\\Windows\\pwsh.exe', '/srv/app')).toEqual({ shell: 'pwsh', where: '/srv/app' });
  });
  it('leaves missing parts empty', () => {
    expect(cardParts('', '/root')).toEqual({ shell: '', where: '~' });
    expect(cardParts('/bin/zsh', '')).toEqual({ shell: 'zsh', where: '' });
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
      { ...tab('b'), shell: '/bin/sh', cwd: '/srv', git: { branch: 'main' }, recording: false, recordingInput: false },
      { ...tab('gone'), shell: '', cwd: '', git: undefined, recording: false, recordingInput: false },
    ]);
    const recorded = { ...info, recording: true, recordingInput: true };
    expect(drawerSessions([tab('b')], [recorded])[0]).toMatchObject({ recording: true, recordingInput: true });
  });
});
