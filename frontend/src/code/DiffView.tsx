/**
 * One file's diff (DiffViewer): unified view with hunk headers, old/new line numbers and
 * coloured additions and removals. Untracked files arrive as a whole-file addition.
 */
import { useMemo } from 'preact/hooks';
import type { CodeApi } from './codeApi';
import { diffRows, numberWidth, type FileDiff } from './diff';
import type { DiffKind } from './tabs';
import { useLoad, type LoadCache } from './useLoad';

export interface DiffViewProps {
  api: CodeApi;
  cache: LoadCache;
  /** Repository-relative path (what git status reports). */
  path: string;
  kind: DiffKind;
  /** Bumped when git status changes, so an open diff follows the working tree. */
  version: number;
  onOpenFile: (() => void) | null;
}

const KIND_LABEL: Record<DiffKind, string> = { staged: 'Staged', unstaged: 'Unstaged', untracked: 'Untracked' };

export function DiffView({ api, cache, path, kind, version, onOpenFile }: DiffViewProps) {
  const [diff, reload] = useLoad(cache, `diff:${kind}:${path}:${version}`, () => api.diff(path, kind));
  return (
    <div class="cv-file">
      <div class="cv-toolbar">
        <span class={`cv-kind ${kind}`}>{KIND_LABEL[kind]}</span>
        <span class="cv-path" title={path}>{path}</span>
        {diff.state === 'ok' && (
          <span class="cv-meta" aria-label={`${diff.data.additions} additions, ${diff.data.deletions} deletions`}>
            <span class="cv-add-count">+{diff.data.additions}</span> <span class="cv-del-count">−{diff.data.deletions}</span>
          </span>
        )}
        {onOpenFile && <button type="button" class="btn cv-small" onClick={onOpenFile}>Open file</button>}
        <button type="button" class="btn cv-small" onClick={reload} aria-label={`Reload diff of ${path}`} title="Reload">⟳</button>
      </div>
      {diff.state === 'loading' && <p class="cv-note muted">Loading…</p>}
      {diff.state === 'error' && <p class="cv-note error" role="alert">{diff.message}</p>}
      {diff.state === 'ok' && <DiffBody diff={diff.data} path={path} />}
    </div>
  );
}

function DiffBody({ diff, path }: { diff: FileDiff; path: string }) {
  const rows = useMemo(() => diffRows(diff), [diff]);
  if (diff.isBinary) return <p class="cv-note muted" role="status">Binary file — no line diff.</p>;
  if (rows.length === 0) return <p class="cv-note muted" role="status">No differences.</p>;
  const width = { '--cv-nw': `${numberWidth(diff)}ch` } as Record<string, string>;
  return (
    <>
      {diff.truncated && <p class="cv-note muted" role="status">The diff is very large and was cut short.</p>}
      <div class="cv-scroll" tabIndex={0} role="region" aria-label={`Diff of ${path}`}>
        <div class="cv-diff" style={width}>
          {rows.map((r, i) =>
            r.kind === 'hunk' ? (
              <div key={i} class="cv-drow hunk">
                <span class="cv-dnum" />
                <span class="cv-dnum" />
                <span class="cv-dtext">
                  {r.header}
                  {r.hidden > 0 && <span class="muted"> · {r.hidden} unchanged line{r.hidden === 1 ? '' : 's'} above</span>}
                </span>
              </div>
            ) : (
              <div key={i} class={`cv-drow ${r.type}`}>
                <span class="cv-dnum">{r.old ?? ''}</span>
                <span class="cv-dnum">{r.new ?? ''}</span>
                <span class="cv-dtext">
                  <span class="cv-sign" aria-label={r.type === 'add' ? 'added' : r.type === 'remove' ? 'removed' : undefined}>{r.sign}</span>
                  {r.text}
                </span>
              </div>
            ),
          )}
        </div>
      </div>
    </>
  );
}
