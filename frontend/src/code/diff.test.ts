import { describe, expect, it } from 'vitest';
import { diffRows, numberWidth, parseUnifiedDiff } from './diff';

const RAW = `diff --git a/f.py b/f.py
index 1..2 100644
--- a/f.py
+++ b/f.py
@@ -1,3 +1,3 @@
 a
-b
+B
 c
@@ -10,2 +10,3 @@ def g():
 x
+y
 z
\\ No newline at end of file
`;

describe('parseUnifiedDiff', () => {
  it('numbers lines and skips headers and markers', () => {
    const hunks = parseUnifiedDiff(RAW);
    expect(hunks).toHaveLength(2);
    expect(hunks[0]).toMatchObject({ header: '@@ -1,3 +1,3 @@', oldStart: 1, oldLines: 3, newStart: 1, newLines: 3 });
    expect(hunks[0].lines).toEqual([
      { type: 'context', content: 'a', oldLine: 1, newLine: 1 },
      { type: 'remove', content: 'b', oldLine: 2, newLine: null },
      { type: 'add', content: 'B', oldLine: null, newLine: 2 },
      { type: 'context', content: 'c', oldLine: 3, newLine: 3 },
    ]);
    expect(hunks[1].lines.map((l) => [l.type, l.oldLine, l.newLine])).toEqual([
      ['context', 10, 10], ['add', null, 11], ['context', 11, 12],
    ]);
  });
  it('defaults missing counts to one and does not eat the next file header', () => {
    const hunks = parseUnifiedDiff('@@ -1 +1 @@\n-old\n+new\n--- a/other\n+++ b/other\n');
    expect(hunks[0]).toMatchObject({ oldLines: 1, newLines: 1 });
    expect(hunks[0].lines).toHaveLength(2);
  });
  it('reads a whole new file', () => {
    const hunks = parseUnifiedDiff('--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n');
    expect(hunks[0].lines.map((l) => l.newLine)).toEqual([1, 2]);
  });
});

describe('diffRows', () => {
  it('flattens hunks with signs and skipped-line counts', () => {
    const rows = diffRows({ hunks: parseUnifiedDiff(RAW) });
    expect(rows[0]).toEqual({ kind: 'hunk', header: '@@ -1,3 +1,3 @@', hidden: 0 });
    expect(rows.slice(1, 5).map((r) => (r.kind === 'line' ? r.sign + r.text : ''))).toEqual([' a', '-b', '+B', ' c']);
    // Old lines 4..9 lie between the hunks.
    expect(rows[5]).toEqual({ kind: 'hunk', header: '@@ -10,2 +10,3 @@', hidden: 6 });
  });
  it('treats an empty old side as starting after line 0', () => {
    const rows = diffRows({ hunks: parseUnifiedDiff('@@ -0,0 +1 @@\n+x\n') });
    expect(rows[0]).toMatchObject({ hidden: 0 });
  });
  it('sizes the number columns for the biggest line number', () => {
    expect(numberWidth({ hunks: [] })).toBe(2);
    expect(numberWidth({ hunks: parseUnifiedDiff('@@ -998,3 +1000,4 @@\n') })).toBe(4);
  });
});
