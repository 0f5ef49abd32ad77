import { describe, expect, it } from 'vitest';
import type { ShellsResponse } from '../api';
import { defaultShellPath } from './useNewSession';

const shells = (dflt: string): ShellsResponse => ({
  shells: [
    { name: 'bash', path: '/bin/bash', cmd: 'bash' },
    { name: 'zsh', path: '/usr/bin/zsh', cmd: 'zsh' },
  ],
  default: dflt,
  cwd: '/home/me',
});

describe('defaultShellPath', () => {
  it("maps the server's default command to its option's path", () => {
    expect(defaultShellPath(shells('zsh'))).toBe('/usr/bin/zsh');
  });

  it('accepts a default given as a path', () => {
    expect(defaultShellPath(shells('/bin/bash'))).toBe('/bin/bash');
  });

  it('keeps a default that no listed shell matches', () => {
    expect(defaultShellPath(shells('fish'))).toBe('fish');
  });
});
