/**
 * Review comments kept in localStorage so a reload (or a phone dropping the tab) does not lose
 * them. One record per repository and file (and diff kind), newest last; a comment leaves the
 * store when it is sent to the terminal, removed or discarded, because the view saves the
 * list it holds after each change.
 *
 * Bounded: at most MAX_FILES records over all repositories (the least recently changed go
 * first) and MAX_COMMENTS_PER_FILE per record (the oldest go first), and a full storage drops
 * old records until the write fits. What is read back is checked and clamped like typed text:
 * the store is only a convenience, never trusted.
 */
import { clampBytes, COMMENT_MAX_BYTES, QUOTE_MAX_BYTES, type ReviewComment } from './review';
import type { DiffKind } from './tabs';

export const STORE_KEY = 'termbeam.review.v1';
export const MAX_FILES = 40;
export const MAX_COMMENTS_PER_FILE = 50;

/** A comment as stored: everything but the id, which each page hands out afresh. */
export type StoredComment = Omit<ReviewComment, 'id'>;

interface FileRecord {
  repo: string;
  path: string;
  kind: DiffKind;
  /** When this file's comments last changed (ms since the epoch): the eviction order. */
  at: number;
  comments: StoredComment[];
}

const KINDS: readonly string[] = ['staged', 'unstaged', 'untracked'];

/** localStorage, or null where it is missing or refused (some private modes throw). */
export function browserStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

function readComment(v: unknown, path: string, kind: DiffKind): StoredComment | null {
  if (!v || typeof v !== 'object') return null;
  const c = v as Record<string, unknown>;
  if (!isCount(c.from) || !isCount(c.to) || typeof c.where !== 'string' || typeof c.quote !== 'string' || typeof c.text !== 'string') return null;
  return {
    path, kind, from: c.from, to: c.to,
    where: clampBytes(c.where, 200),
    quote: clampBytes(c.quote, QUOTE_MAX_BYTES),
    text: clampBytes(c.text, COMMENT_MAX_BYTES),
  };
}

function readRecord(v: unknown): FileRecord | null {
  if (!v || typeof v !== 'object') return null;
  const r = v as Record<string, unknown>;
  if (typeof r.repo !== 'string' || typeof r.path !== 'string' || typeof r.kind !== 'string' || !KINDS.includes(r.kind)) return null;
  if (typeof r.at !== 'number' || !Array.isArray(r.comments)) return null;
  const kind = r.kind as DiffKind;
  const comments = r.comments
    .map((c) => readComment(c, r.path as string, kind))
    .filter((c): c is StoredComment => c !== null)
    .slice(-MAX_COMMENTS_PER_FILE);
  return comments.length ? { repo: r.repo, path: r.path, kind, at: r.at, comments } : null;
}

function readAll(storage: Storage): FileRecord[] {
  let raw: string | null;
  try {
    raw = storage.getItem(STORE_KEY);
  } catch {
    return [];
  }
  if (!raw) return [];
  try {
    const data: unknown = JSON.parse(raw);
    const files = (data as { files?: unknown } | null)?.files;
    if (!Array.isArray(files)) return [];
    return files.map(readRecord).filter((r): r is FileRecord => r !== null);
  } catch {
    return [];
  }
}

function writeAll(storage: Storage, files: FileRecord[]): void {
  // Oldest first, so a full storage gives up the records least likely to be wanted.
  const kept = [...files].sort((a, b) => a.at - b.at).slice(-MAX_FILES);
  for (;;) {
    try {
      if (kept.length === 0) storage.removeItem(STORE_KEY);
      else storage.setItem(STORE_KEY, JSON.stringify({ files: kept }));
      return;
    } catch {
      if (kept.length === 0) return;
      kept.shift();
    }
  }
}

/** The stored comments of a repository, in the order they were saved. */
export function loadComments(storage: Storage | null, repo: string): StoredComment[] {
  if (!storage) return [];
  return readAll(storage).filter((r) => r.repo === repo).flatMap((r) => r.comments);
}

function fileKey(path: string, kind: DiffKind): string {
  return `${kind}\n${path}`;
}

function strip({ id: _id, ...rest }: ReviewComment): StoredComment {
  return rest;
}

/**
 * Store a repository's comments as the view now holds them (an empty list clears it). Files
 * whose comments did not change keep their age; the others count as just changed.
 */
export function saveComments(storage: Storage | null, repo: string, comments: ReviewComment[], now: number = Date.now()): void {
  if (!storage) return;
  const all = readAll(storage);
  const before = new Map(all.filter((r) => r.repo === repo).map((r) => [fileKey(r.path, r.kind), r]));
  const grouped = new Map<string, FileRecord>();
  for (const c of comments) {
    const key = fileKey(c.path, c.kind);
    let record = grouped.get(key);
    if (!record) grouped.set(key, (record = { repo, path: c.path, kind: c.kind, at: now, comments: [] }));
    record.comments.push(strip(c));
  }
  for (const [key, record] of grouped) {
    record.comments = record.comments.slice(-MAX_COMMENTS_PER_FILE);
    const old = before.get(key);
    if (old && JSON.stringify(old.comments) === JSON.stringify(record.comments)) record.at = old.at;
  }
  writeAll(storage, [...all.filter((r) => r.repo !== repo), ...grouped.values()]);
}
