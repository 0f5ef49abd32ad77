import { describe, expect, it } from 'vitest';
import {
  basename,
  breadcrumbs,
  dirnameRel,
  filterByName,
  formatModified,
  formatSize,
  isMarkdown,
  joinAbs,
  joinRel,
  normalizeRel,
  relativeTo,
  shellQuote,
} from './paths';

describe('root-relative paths', () => {
  it('joins and splits', () => {
    expect(joinRel('', 'a')).toBe('a');
    expect(joinRel('a/b', 'c.txt')).toBe('a/b/c.txt');
    expect(dirnameRel('a/b/c.txt')).toBe('a/b');
    expect(dirnameRel('c.txt')).toBe('');
    expect(basename('a/b/')).toBe('b');
    expect(basename('')).toBe('');
  });

  it('normalises dots and refuses to climb above the root', () => {
    expect(normalizeRel('a/./b/../c')).toBe('a/c');
    expect(normalizeRel('/a//b/')).toBe('a/b');
    expect(normalizeRel('a/..')).toBe('');
    expect(normalizeRel('../x')).toBeNull();
    expect(normalizeRel('a/../../x')).toBeNull();
  });

  it('makes absolute paths relative to the root only when inside it', () => {
    expect(relativeTo('/home/u/proj', '/home/u/proj')).toBe('');
    expect(relativeTo('/home/u/proj', '/home/u/proj/src/lib')).toBe('src/lib');
    expect(relativeTo('/home/u/proj', '/home/u/project')).toBeNull();
    expect(relativeTo('/', '/etc')).toBe('etc');
    expect(joinAbs('/', 'etc')).toBe('/etc');
    expect(joinAbs('/home/u', 'a b')).toBe('/home/u/a b');
  });

  it('builds breadcrumbs from the root folder name down', () => {
    expect(breadcrumbs('/home/u/proj', 'src/lib')).toEqual([
      { label: 'proj', rel: '' },
      { label: 'src', rel: 'src' },
      { label: 'lib', rel: 'src/lib' },
    ]);
    expect(breadcrumbs('/', '')).toEqual([{ label: '/', rel: '' }]);
  });
});

describe('shellQuote', () => {
  it('leaves plain paths alone', () => {
    expect(shellQuote('/home/u/proj/src/main.py')).toBe('/home/u/proj/src/main.py');
    expect(shellQuote('a-b_c.d,e:f@g+h=i%')).toBe('a-b_c.d,e:f@g+h=i%');
  });

  it('single-quotes anything a shell would interpret', () => {
    expect(shellQuote('/tmp/my file.txt')).toBe("'/tmp/my file.txt'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$(rm -rf ~)')).toBe("'$(rm -rf ~)'");
    expect(shellQuote('a;b|c&d`e`')).toBe("'a;b|c&d`e`'");
    expect(shellQuote('~/x')).toBe("'~/x'");
    expect(shellQuote('-rf')).toBe("'-rf'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('naïve.txt')).toBe("'naïve.txt'");
  });
});

describe('display helpers', () => {
  it('formats sizes in binary units', () => {
    expect(formatSize(0)).toBe('0 B');
    expect(formatSize(1023)).toBe('1023 B');
    expect(formatSize(1024)).toBe('1 KB');
    expect(formatSize(1536)).toBe('1.5 KB');
    expect(formatSize(10 * 1024 * 1024)).toBe('10 MB');
    expect(formatSize(123.4 * 1024 * 1024)).toBe('123 MB');
    expect(formatSize(3 * 1024 ** 4)).toBe('3 TB');
    expect(formatSize(-1)).toBe('');
  });

  it('formats modification times by age', () => {
    const now = new Date(2026, 10, 23, 18, 0);
    expect(formatModified(null, now)).toBe('');
    expect(formatModified('garbage', now)).toBe('');
    expect(formatModified(new Date(2026, 10, 23, 9, 5).toISOString(), now, 'en-GB')).toBe('09:05');
    expect(formatModified(new Date(2026, 9, 2).toISOString(), now, 'en-GB')).toBe('2 Oct');
    expect(formatModified(new Date(2024, 0, 5).toISOString(), now, 'en-GB')).toBe('5 Jan 2024');
  });

  it('recognises markdown and filters by name', () => {
    expect(isMarkdown('README.md')).toBe(true);
    expect(isMarkdown('notes.MARKDOWN')).toBe(true);
    expect(isMarkdown('md.txt')).toBe(false);
    const entries = [{ name: 'Alpha.md' }, { name: 'beta.txt' }, { name: 'gamma' }];
    expect(filterByName(entries, ' ALP ')).toEqual([{ name: 'Alpha.md' }]);
    expect(filterByName(entries, '')).toBe(entries);
  });
});
