/**
 * The git side lists: working-tree changes (GitChanges: staged, unstaged, untracked, with
 * status letters) and the recent commit log.
 */
import { useState } from 'preact/hooks';
import { relativeDate } from './blame';
import type { CodeApi, Commit, GitStatus, StatusEntry } from './codeApi';
import { FileIcon } from './FileIcon';
import { fileLook } from './fileKind';
import type { DiffKind } from './tabs';
import { useLoad, type LoadCache } from './useLoad';

const STATUS_WORD: Record<string, string> = {
  M: 'modified', A: 'added', D: 'deleted', R: 'renamed', C: 'copied', T: 'type changed', U: 'unmerged', '?': 'untracked',
};

type RepoStatus = Extract<GitStatus, { isGitRepo: true }>;

export interface ChangesProps {
  status: RepoStatus;
  active: string | null;
  onOpen: (path: string, kind: DiffKind) => void;
}

function split(path: string): [string, string] {
  const i = path.lastIndexOf('/');
  return i < 0 ? [path, ''] : [path.slice(i + 1), path.slice(0, i)];
}

function ChangeItem({ path, letter, oldPath, kind, active, onOpen }: {
  path: string; letter: string; oldPath: string | null; kind: DiffKind; active: boolean; onOpen: ChangesProps['onOpen'];
}) {
  const [name, dir] = split(path);
  const word = STATUS_WORD[letter] ?? letter;
  return (
    <li>
      <button
        type="button"
        class={`cv-change${active ? ' active' : ''}`}
        aria-current={active || undefined}
        aria-label={`${path}, ${word}${kind === 'untracked' ? '' : `, ${kind}`}`}
        title={oldPath ? `${oldPath} → ${path}` : path}
        onClick={() => onOpen(path, kind)}
      >
        <span class={`cv-letter s-${letter === '?' ? 'untracked' : letter}`} aria-hidden="true">{letter === '?' ? 'U' : letter}</span>
        <FileIcon look={fileLook(name)} />
        <span class="cv-change-name">{name}</span>
        <span class="cv-change-dir muted">{oldPath ? `${oldPath} →` : dir}</span>
      </button>
    </li>
  );
}

function Section({ title, kind, items, active, onOpen }: {
  title: string; kind: DiffKind; items: StatusEntry[]; active: string | null; onOpen: ChangesProps['onOpen'];
}) {
  if (items.length === 0) return null;
  return (
    <section class="cv-section" aria-label={title}>
      <h3>{title} <span class="muted">({items.length})</span></h3>
      <ul>
        {items.map((e) => (
          <ChangeItem key={e.path} path={e.path} letter={e.status} oldPath={e.oldPath} kind={kind}
            active={active === `diff:${kind}:${e.path}`} onOpen={onOpen} />
        ))}
      </ul>
    </section>
  );
}

export function ChangesList({ status, active, onOpen }: ChangesProps) {
  const untracked = status.untracked.map((path) => ({ path, status: '?', oldPath: null }));
  const clean = status.staged.length + status.modified.length + untracked.length === 0;
  return (
    <div class="cv-changes">
      <p class="cv-branch">
        <span aria-label="Branch">⎇ {status.branch || '(unknown)'}</span>
        {status.ahead > 0 && <span class="muted"> {status.ahead}↑</span>}
        {status.behind > 0 && <span class="muted"> {status.behind}↓</span>}
      </p>
      {clean && <p class="cv-note muted">No changes: the working tree is clean.</p>}
      <Section title="Staged" kind="staged" items={status.staged} active={active} onOpen={onOpen} />
      <Section title="Unstaged" kind="unstaged" items={status.modified} active={active} onOpen={onOpen} />
      <Section title="Untracked" kind="untracked" items={untracked} active={active} onOpen={onOpen} />
    </div>
  );
}

export function LogList({ api, cache }: { api: CodeApi; cache: LoadCache }) {
  const [log, reload] = useLoad(cache, 'log', () => api.log(50));
  const [open, setOpen] = useState<string | null>(null);
  if (log.state === 'loading') return <p class="cv-note muted">Loading…</p>;
  if (log.state === 'error') return <p class="cv-note error" role="alert">{log.message}</p>;
  const commits = log.data.commits;
  const now = Date.now();
  return (
    <div class="cv-log">
      <div class="cv-side-actions">
        <span class="muted">{commits.length} recent commit{commits.length === 1 ? '' : 's'}</span>
        <button type="button" class="btn cv-small" onClick={reload} aria-label="Reload log" title="Reload">⟳</button>
      </div>
      {commits.length === 0 && <p class="cv-note muted">No commits yet.</p>}
      <ol class="cv-commits" aria-label="Commits">
        {commits.map((c) => (
          <CommitItem key={c.hash} commit={c} now={now} open={open === c.hash} onToggle={() => setOpen(open === c.hash ? null : c.hash)} />
        ))}
      </ol>
    </div>
  );
}

function CommitItem({ commit: c, now, open, onToggle }: { commit: Commit; now: number; open: boolean; onToggle: () => void }) {
  return (
    <li class="cv-commit">
      <button type="button" class="cv-commit-head" aria-expanded={open} onClick={onToggle}>
        <span class="cv-commit-subject">{c.subject || '(no subject)'}</span>
        <span class="cv-commit-meta muted">
          <code class="cv-hash">{c.shortHash}</code> {c.author} · <time dateTime={c.date ?? undefined}>{relativeDate(c.date, now)}</time>
        </span>
      </button>
      {open && (
        <div class="cv-commit-detail">
          <div><code>{c.hash}</code></div>
          <div>{c.author} &lt;{c.email}&gt;</div>
          {c.date && <div>{new Date(c.date).toLocaleString()}</div>}
          {c.body && <pre class="cv-commit-body">{c.body}</pre>}
        </div>
      )}
    </li>
  );
}
