import { describe, expect, it } from 'vitest';
import { COMMENT_MAX_BYTES, byteLength, type ReviewComment } from './review';
import { loadComments, MAX_COMMENTS_PER_FILE, MAX_FILES, saveComments, STORE_KEY } from './reviewStore';

/** The Web Storage interface over a Map, with an optional size limit like a browser's quota. */
class MemoryStorage implements Storage {
  private items = new Map<string, string>();
  constructor(private quota = Infinity) {}
  get length() { return this.items.size; }
  clear() { this.items.clear(); }
  getItem(key: string) { return this.items.get(key) ?? null; }
  key(i: number) { return [...this.items.keys()][i] ?? null; }
  removeItem(key: string) { this.items.delete(key); }
  setItem(key: string, value: string) {
    if (value.length > this.quota) throw new DOMException('full', 'QuotaExceededError');
    this.items.set(key, value);
  }
}

let ids = 1;
const comment = (over: Partial<ReviewComment> = {}): ReviewComment => ({
  id: ids++, path: 'src/a.py', kind: 'unstaged', from: 2, to: 3, where: 'line 2', quote: '-b\n+B', text: 'Why?', ...over,
});
const texts = (list: { text: string }[]) => list.map((c) => c.text);

describe('review store', () => {
  it('keeps comments per repository and gives them back without ids', () => {
    const s = new MemoryStorage();
    saveComments(s, '/r/one', [comment({ text: 'a' }), comment({ path: 'b.md', text: 'b' }), comment({ kind: 'staged', text: 'c' })]);
    saveComments(s, '/r/two', [comment({ text: 'other repo' })]);
    const back = loadComments(s, '/r/one');
    expect(texts(back)).toEqual(['a', 'b', 'c']);
    expect(back[0]).toEqual({ path: 'src/a.py', kind: 'unstaged', from: 2, to: 3, where: 'line 2', quote: '-b\n+B', text: 'a' });
    expect(back[2].kind).toBe('staged');
    expect(texts(loadComments(s, '/r/two'))).toEqual(['other repo']);
    expect(loadComments(s, '/r/three')).toEqual([]);
  });

  it('forgets what was sent, removed or discarded', () => {
    const s = new MemoryStorage();
    const [a, b] = [comment({ text: 'a' }), comment({ text: 'b' })];
    saveComments(s, '/r', [a, b]);
    saveComments(s, '/r', [b]); // a was sent or removed
    expect(texts(loadComments(s, '/r'))).toEqual(['b']);
    saveComments(s, '/r/other', [comment({ text: 'kept' })]);
    saveComments(s, '/r', []); // discarded
    expect(loadComments(s, '/r')).toEqual([]);
    expect(texts(loadComments(s, '/r/other'))).toEqual(['kept']);
    saveComments(s, '/r/other', []);
    expect(s.getItem(STORE_KEY)).toBeNull(); // nothing left behind
  });

  it('keeps at most MAX_FILES files, dropping the least recently changed', () => {
    const s = new MemoryStorage();
    for (let i = 0; i < MAX_FILES + 5; i++) saveComments(s, `/repo${i}`, [comment({ text: `r${i}` })], 1000 + i);
    expect(loadComments(s, '/repo0')).toEqual([]);
    expect(loadComments(s, '/repo4')).toEqual([]);
    expect(texts(loadComments(s, '/repo5'))).toEqual(['r5']);
    // Saving a repository again does not make its unchanged files young again.
    saveComments(s, '/repo5', loadComments(s, '/repo5').map((c) => ({ ...c, id: 0 })), 9999);
    saveComments(s, '/new', [comment({ text: 'new' })], 10_000);
    expect(loadComments(s, '/repo5')).toEqual([]);
    expect(JSON.parse(s.getItem(STORE_KEY)!).files).toHaveLength(MAX_FILES);
  });

  it('keeps at most MAX_COMMENTS_PER_FILE comments a file, the newest', () => {
    const s = new MemoryStorage();
    const many = Array.from({ length: MAX_COMMENTS_PER_FILE + 3 }, (_, i) => comment({ text: `c${i}` }));
    saveComments(s, '/r', many);
    const back = texts(loadComments(s, '/r'));
    expect(back).toHaveLength(MAX_COMMENTS_PER_FILE);
    expect(back[0]).toBe('c3');
  });

  it('drops old files when the storage is full instead of failing', () => {
    const s = new MemoryStorage(2000);
    const big = 'x'.repeat(600);
    for (let i = 0; i < 6; i++) saveComments(s, `/r${i}`, [comment({ text: big })], i);
    expect(texts(loadComments(s, '/r5'))).toEqual([big]);
    expect(loadComments(s, '/r0')).toEqual([]);
  });

  it('ignores broken or tampered data and clamps what it reads', () => {
    const s = new MemoryStorage();
    s.setItem(STORE_KEY, '{not json');
    expect(loadComments(s, '/r')).toEqual([]);
    saveComments(s, '/r', [comment({ text: 'fine' })]); // overwrites the broken value
    expect(texts(loadComments(s, '/r'))).toEqual(['fine']);
    const huge = 'y'.repeat(COMMENT_MAX_BYTES * 3);
    s.setItem(STORE_KEY, JSON.stringify({ files: [
      { repo: '/r', path: 'a', kind: 'bogus', at: 1, comments: [{ from: 0, to: 0, where: 'w', quote: 'q', text: 't' }] },
      { repo: '/r', path: 'b', kind: 'staged', at: 1, comments: [{ from: -1, to: 0, where: 'w', quote: 'q', text: 't' }, 7, null] },
      { repo: '/r', path: 'c', kind: 'staged', at: 1, comments: [{ from: 0, to: 1, where: 'w', quote: 'q', text: huge, extra: 1 }] },
      null,
    ] }));
    const back = loadComments(s, '/r');
    expect(back).toHaveLength(1);
    expect(back[0].path).toBe('c');
    expect(byteLength(back[0].text)).toBeLessThanOrEqual(COMMENT_MAX_BYTES);
    expect(Object.keys(back[0]).sort()).toEqual(['from', 'kind', 'path', 'quote', 'text', 'to', 'where']);
  });

  it('does nothing without a storage', () => {
    saveComments(null, '/r', [comment()]);
    expect(loadComments(null, '/r')).toEqual([]);
  });
});
