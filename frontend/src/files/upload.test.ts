import { describe, expect, it } from 'vitest';
import { UPLOAD_MAX, percent, refusal, utf8AsLatin1 } from './upload';

describe('upload rules', () => {
  it('refuses files over the limit and empty files before sending', () => {
    expect(refusal({ size: UPLOAD_MAX })).toBeNull();
    expect(refusal({ size: 1 })).toBeNull();
    expect(refusal({ size: UPLOAD_MAX + 1 })).toBe('File too large (max 10 MB)');
    expect(refusal({ size: 25 * 1024 * 1024 })).toBe('File too large (max 10 MB)');
    expect(refusal({ size: 0 })).toBe('Empty file');
  });

  it('sends a header value as UTF-8 bytes', () => {
    expect(utf8AsLatin1('plain.txt')).toBe('plain.txt');
    const bytes = Array.from(utf8AsLatin1('ü€'), (c) => c.charCodeAt(0));
    expect(bytes).toEqual([0xc3, 0xbc, 0xe2, 0x82, 0xac]);
  });

  it('reports whole percentages, 100 only when complete', () => {
    expect(percent(0, 0)).toBe(0);
    expect(percent(999, 1000)).toBe(99);
    expect(percent(1000, 1000)).toBe(100);
    expect(percent(2000, 1000)).toBe(100);
  });
});
