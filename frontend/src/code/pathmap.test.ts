import { describe, expect, it } from 'vitest';
import { repoPrefix, toCwdPath, toRepoPath } from './pathmap';

describe('repoPrefix', () => {
  it('is empty at the top level and a folder path below it', () => {
    expect(repoPrefix('/w/repo', '/w/repo')).toBe('');
    expect(repoPrefix('/w/repo/', '/w/repo')).toBe('');
    expect(repoPrefix('/w/repo/src/lib', '/w/repo')).toBe('src/lib/');
    expect(repoPrefix('/src', '/')).toBe('src/');
  });
  it('is unknown without a repository root or outside it', () => {
    expect(repoPrefix('/w/repo', undefined)).toBeNull();
    expect(repoPrefix(null, '/w/repo')).toBeNull();
    expect(repoPrefix('/w/repository', '/w/repo')).toBeNull();
  });
});

describe('path mapping', () => {
  it('adds and strips the prefix', () => {
    expect(toRepoPath('src/', 'a.py')).toBe('src/a.py');
    expect(toCwdPath('src/', 'src/a.py')).toBe('a.py');
    expect(toCwdPath('src/', 'README.md')).toBeNull();
  });
  it('treats an unknown prefix as the top level', () => {
    expect(toRepoPath(null, 'a.py')).toBe('a.py');
    expect(toCwdPath(null, 'x/a.py')).toBe('x/a.py');
  });
});
