import { describe, expect, it } from 'vitest';
import { diffRows, parseUnifiedDiff } from './diff';
import {
  BATCH_MAX_BYTES, buildBatch, byteLength, clampBytes, COMMENT_MAX_BYTES, describeLines, QUOTE_MAX_BYTES,
  quoteLines, sanitize, selectedLines, type ReviewComment,
} from './review';

const rows = diffRows({ hunks: parseUnifiedDiff('@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -9,1 +9,2 @@\n x\n+y\n') });

const comment = (over: Partial<ReviewComment> = {}): ReviewComment => ({
  id: 1, path: 'src/a.py', kind: 'unstaged', from: 2, to: 3, where: 'line 2', quote: '-b\n+B', text: 'Why?', ...over,
});

describe('sanitize', () => {
  it('drops escape sequences and control characters, keeps newlines and tabs', () => {
    expect(sanitize('a\x1b[31mred\x1b[0m b')).toBe('ared b');
    expect(sanitize('x\x1b]0;title\x07y')).toBe('xy');
    expect(sanitize('end\x1b[201~rm -rf /')).toBe('endrm -rf /');
    expect(sanitize('tab\tnew\nline\r\nwin\rmac')).toBe('tab\tnew\nline\nwin\nmac');
    expect(sanitize('bell\x07nul\x00del\x7fc1\x9b2J')).toBe('bellnuldelc1');
    expect(sanitize('ünïcødé ✓')).toBe('ünïcødé ✓');
  });
});

describe('clampBytes', () => {
  it('keeps short text and cuts long text on a character boundary', () => {
    expect(clampBytes('abc', 10)).toBe('abc');
    const cut = clampBytes('é'.repeat(100), 11);
    expect(byteLength(cut)).toBeLessThanOrEqual(11);
    expect(cut.endsWith('…')).toBe(true);
    expect(clampBytes('😀😀😀', 7)).toBe('😀…');
  });
});

describe('selection', () => {
  it('takes line rows between two indices in either order', () => {
    expect(selectedLines(rows, 3, 1).map((r) => r.sign + r.text)).toEqual([' a', '-b', '+B']);
    expect(selectedLines(rows, 4, 6).map((r) => r.text)).toEqual(['c', 'x']); // header skipped
  });
  it('describes where the lines are', () => {
    expect(describeLines(selectedLines(rows, 2, 3))).toBe('line 2');
    expect(describeLines(selectedLines(rows, 1, 4))).toBe('lines 1–3');
    expect(describeLines(selectedLines(rows, 2, 2))).toBe('old line 2');
  });
  it('quotes with signs, within the quote limit', () => {
    expect(quoteLines(selectedLines(rows, 2, 3))).toBe('-b\n+B');
    const long = diffRows({ hunks: parseUnifiedDiff(`@@ -0,0 +1,1 @@\n+${'x'.repeat(20000)}\n`) });
    expect(byteLength(quoteLines(selectedLines(long, 0, 1)))).toBeLessThanOrEqual(QUOTE_MAX_BYTES);
  });
});

describe('buildBatch', () => {
  it('wraps one clean paste', () => {
    const { paste, left } = buildBatch([comment({ text: 'Why \x1b[201~ this?' })]);
    expect(left).toEqual([]);
    expect(paste.startsWith('\x1b[200~')).toBe(true);
    expect(paste.endsWith('\x1b[201~')).toBe(true);
    const inner = paste.slice(6, -6);
    expect(inner).not.toContain('\x1b');
    expect(inner).toBe('Review comments on the working tree:\n\nsrc/a.py (unstaged), line 2:\n> -b\n> +B\nWhy  this?');
  });
  it('caps each comment and the batch, leaving the rest for later', () => {
    const big = comment({ text: 'y'.repeat(10000) });
    const one = buildBatch([big]).paste;
    expect(byteLength(one)).toBeLessThan(COMMENT_MAX_BYTES + 200);
    const many = Array.from({ length: 40 }, (_, i) => comment({ id: i, text: 'z'.repeat(4000) }));
    const { paste, left } = buildBatch(many);
    expect(byteLength(paste)).toBeLessThanOrEqual(BATCH_MAX_BYTES + 12);
    expect(left.length).toBeGreaterThan(0);
    expect(left[0].id).toBe(40 - left.length);
  });
  it('sends nothing for no comments', () => {
    expect(buildBatch([])).toEqual({ paste: '', left: [] });
  });
});
