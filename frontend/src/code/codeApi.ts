/** The server routes the code viewer reads: file tree, file text, git status/diff/blame/log. */
import { request } from '../api';
import type { BlameLine } from './blame';
import type { FileDiff } from './diff';
import type { DiffKind } from './tabs';
import type { TreeNode } from './tree';

export interface TreeAnswer {
  root: string;
  tree: (TreeNode & { children?: unknown[] })[];
}

export interface FileText {
  content: string;
  name: string;
  size: number;
}

export interface StatusEntry {
  path: string;
  status: string;
  oldPath: string | null;
}

export type GitStatus =
  | { isGitRepo: false }
  | {
      isGitRepo: true;
      branch: string;
      ahead: number;
      behind: number;
      staged: StatusEntry[];
      modified: StatusEntry[];
      untracked: string[];
      /** The repository's top level, when the server says (maps cwd paths to git paths). */
      repoRoot?: string;
    };

export interface Commit {
  hash: string;
  shortHash: string;
  author: string;
  email: string;
  date: string | null;
  subject: string;
  body: string;
}

function q(params: Record<string, string | number | boolean | undefined>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== false) sp.set(k, String(v));
  const s = sp.toString();
  return s ? `?${s}` : '';
}

export function codeApi(sessionId: string) {
  const base = `/api/sessions/${encodeURIComponent(sessionId)}`;
  return {
    /** One level of a folder (children of sub-folders are loaded when they are opened). */
    tree: (path: string) => request<TreeAnswer>(`${base}/file-tree${q({ path: path || undefined, depth: 1 })}`),
    file: (path: string) => request<FileText>(`${base}/file-content${q({ file: path })}`),
    rawUrl: (path: string) => `${base}/file-raw${q({ file: path })}`,
    downloadUrl: (path: string) => `${base}/download${q({ file: path })}`,
    status: () => request<GitStatus>(`${base}/git/status`),
    diff: (path: string, kind: DiffKind) =>
      request<FileDiff>(`${base}/git/diff${q({ file: path, staged: kind === 'staged', untracked: kind === 'untracked' })}`),
    blame: (path: string) => request<{ file: string; lines: BlameLine[] }>(`${base}/git/blame${q({ file: path })}`),
    log: (limit = 50) => request<{ commits: Commit[] }>(`${base}/git/log${q({ limit })}`),
  };
}

export type CodeApi = ReturnType<typeof codeApi>;
