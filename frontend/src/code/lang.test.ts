import { describe, expect, it } from 'vitest';
import { countLines, highlightVerdict, isImage, languageFor, looksBinary, HIGHLIGHT_MAX_BYTES, HIGHLIGHT_MAX_LINES } from './lang';

describe('languageFor', () => {
  it.each([
    ['src/app.py', 'python'],
    ['a/b/index.TS', 'typescript'],
    ['x.tsx', 'typescript'],
    ['lib.mjs', 'javascript'],
    ['package.json', 'json'],
    ['page.html', 'xml'],
    ['icon.svg', 'xml'],
    ['run.sh', 'bash'],
    ['README.md', 'markdown'],
    ['ci.yml', 'yaml'],
    ['main.go', 'go'],
    ['lib.rs', 'rust'],
    ['Main.java', 'java'],
    ['x.h', 'c'],
    ['x.hpp', 'cpp'],
    ['fix.patch', 'diff'],
    ['q.sql', 'sql'],
    ['pyproject.toml', 'ini'],
    ['Dockerfile', 'dockerfile'],
    ['deploy/Dockerfile.prod', 'dockerfile'],
    ['Makefile', 'makefile'],
    ['.env.local', 'bash'],
    ['LICENSE', 'plaintext'],
    ['weird.unknownext', 'plaintext'],
  ])('%s → %s', (path, lang) => {
    expect(languageFor(path)).toBe(lang);
  });

  it('uses the last dot only', () => {
    expect(languageFor('archive.tar.json')).toBe('json');
    expect(languageFor('dir.py/file')).toBe('plaintext');
  });
});

describe('highlightVerdict', () => {
  it('highlights known languages within the limits', () => {
    expect(highlightVerdict('python', 1000, 10)).toBe('ok');
    expect(highlightVerdict('plaintext', 1000, 10)).toBe('plain');
  });
  it('refuses files over either limit', () => {
    expect(highlightVerdict('python', HIGHLIGHT_MAX_BYTES + 1, 10)).toBe('too-large');
    expect(highlightVerdict('python', 10, HIGHLIGHT_MAX_LINES + 1)).toBe('too-large');
    expect(highlightVerdict('python', HIGHLIGHT_MAX_BYTES, HIGHLIGHT_MAX_LINES)).toBe('ok');
  });
});

describe('countLines', () => {
  it('counts like an editor', () => {
    expect(countLines('')).toBe(0);
    expect(countLines('a')).toBe(1);
    expect(countLines('a\n')).toBe(1);
    expect(countLines('a\nb')).toBe(2);
    expect(countLines('a\n\n')).toBe(2);
  });
});

describe('looksBinary / isImage', () => {
  it('spots NULs and replacement characters', () => {
    expect(looksBinary('plain text\n')).toBe(false);
    expect(looksBinary('PK\u0003\u0004\0\0')).toBe(true);
    expect(looksBinary('\uFFFD\uFFFDab')).toBe(true);
    expect(looksBinary('one bad \uFFFD in a long enough line of ordinary text')).toBe(false);
  });
  it('knows raster images', () => {
    expect(isImage('a/b.PNG')).toBe(true);
    expect(isImage('x.svg')).toBe(false);
    expect(isImage('.png')).toBe(false);
  });
});
