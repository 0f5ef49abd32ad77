import { describe, expect, it, vi } from 'vitest';
import { GROUPS, NEXT_SPLIT, buildCommands, filterCommands, visibleCommands, type CommandActions } from './commands';

function actions(): CommandActions {
  return {
    newTab: vi.fn(), find: vi.fn(), rename: vi.fn(), cycleSplit: vi.fn(), close: vi.fn(), panel: vi.fn(),
    fontStep: vi.fn(), preview: vi.fn(), clear: vi.fn(), reload: vi.fn(),
  };
}

describe('palette commands', () => {
  it('covers every group with unique ids', () => {
    const cmds = buildCommands(actions(), { split: 'off', fontSize: 14, mac: false });
    expect(new Set(cmds.map((c) => c.id)).size).toBe(cmds.length);
    for (const g of GROUPS) expect(cmds.some((c) => c.group === g)).toBe(true);
  });

  it('names the next split mode and runs the matching action', () => {
    const a = actions();
    const cmds = buildCommands(a, { split: 'vertical', fontSize: 14, mac: true });
    const split = cmds.find((c) => c.id === 'split');
    expect(split?.label).toBe('Split view: horizontal');
    split?.run();
    expect(a.cycleSplit).toHaveBeenCalledOnce();
    cmds.find((c) => c.id === 'files')?.run();
    expect(a.panel).toHaveBeenCalledWith('files');
    cmds.find((c) => c.id === 'font-up')?.run();
    expect(a.fontStep).toHaveBeenCalledWith(1);
    expect(cmds.find((c) => c.id === 'settings')?.shortcut).toBe('⌘,');
    expect(NEXT_SPLIT.horizontal).toBe('off');
  });

  it('has one "Refresh app" entry that reloads (no worker in node: no wait)', async () => {
    const a = actions();
    const cmds = buildCommands(a, { split: 'off', fontSize: 14, mac: false });
    expect(filterCommands(cmds, 'reload').map((c) => c.label)).toEqual(['Refresh app']);
    expect(filterCommands(cmds, 'cache').map((c) => c.id)).toEqual(['reload']);
    cmds.find((c) => c.id === 'reload')?.run();
    await vi.waitFor(() => expect(a.reload).toHaveBeenCalledOnce());
  });

  it('filters on every word across label, group and keywords', () => {
    const cmds = buildCommands(actions(), { split: 'off', fontSize: 14, mac: false });
    expect(filterCommands(cmds, 'rename').map((c) => c.id)).toEqual(['rename']);
    expect(filterCommands(cmds, 'font view').map((c) => c.id)).toEqual(['font-down', 'font-up']);
    expect(filterCommands(cmds, 'git').map((c) => c.id)).toEqual(['code']);
    expect(filterCommands(cmds, '  ').length).toBe(cmds.length);
    expect(filterCommands(cmds, 'nothing-matches')).toEqual([]);
  });

  it('lists enabled commands in group order', () => {
    const cmds = buildCommands(actions(), { split: 'off', fontSize: 14, mac: false });
    cmds.find((c) => c.id === 'rename')!.disabled = true;
    const ids = visibleCommands(cmds, 'e').map((c) => c.group);
    expect(ids).toEqual([...ids].sort((x, y) => GROUPS.indexOf(x) - GROUPS.indexOf(y)));
    expect(visibleCommands(cmds, 'rename')).toEqual([]);
  });
});
