/**
 * One file's diff (DiffViewer): unified view with hunk headers, old/new line numbers and
 * coloured additions and removals. Untracked files arrive as a whole-file addition.
 */
import { useMemo, useState } from 'preact/hooks';
import { Fragment, type ComponentChildren } from 'preact';
import type { CodeApi } from './codeApi';
import { diffRows, numberWidth, type DiffRow, type FileDiff } from './diff';
import { COMMENT_MAX_BYTES, byteLength, describeLines, quoteLines, sanitize, selectedLines, type ReviewComment } from './review';
import type { DiffKind } from './tabs';
import { useLoad, type LoadCache } from './useLoad';

/** Review mode hooks (absent where nothing can be sent to a terminal). */
export interface ReviewHooks {
  on: boolean;
  toggle: () => void;
  /** This diff's comments. */
  comments: ReviewComment[];
  add: (c: Omit<ReviewComment, 'id'>) => void;
  remove: (id: number) => void;
}

export interface DiffViewProps {
  api: CodeApi;
  cache: LoadCache;
  /** Repository-relative path (what git status reports). */
  path: string;
  kind: DiffKind;
  /** Bumped when git status changes, so an open diff follows the working tree. */
  version: number;
  onOpenFile: (() => void) | null;
  review: ReviewHooks | null;
  /** Long lines fold instead of scrolling sideways. */
  wrap: boolean;
  onToggleWrap: () => void;
}

const KIND_LABEL: Record<DiffKind, string> = { staged: 'Staged', unstaged: 'Unstaged', untracked: 'Untracked' };

export function DiffView({ api, cache, path, kind, version, onOpenFile, review, wrap, onToggleWrap }: DiffViewProps) {
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
        {review && (
          <button type="button" class="btn cv-small" aria-pressed={review.on} onClick={review.toggle}
            title="Select lines and comment on them, then send the comments to the terminal">Review</button>
        )}
        <button type="button" class="btn cv-small" aria-pressed={wrap} onClick={onToggleWrap} title="Wrap long lines">Wrap</button>
        {onOpenFile && <button type="button" class="btn cv-small" onClick={onOpenFile}>Open file</button>}
        <button type="button" class="btn cv-small" onClick={reload} aria-label={`Reload diff of ${path}`} title="Reload">⟳</button>
      </div>
      {diff.state === 'loading' && <p class="cv-note muted">Loading…</p>}
      {diff.state === 'error' && <p class="cv-note error" role="alert">{diff.message}</p>}
      {diff.state === 'ok' && <DiffBody diff={diff.data} path={path} kind={kind} review={review?.on ? review : null} wrap={wrap} />}
    </div>
  );
}

interface BodyProps {
  diff: FileDiff;
  path: string;
  kind: DiffKind;
  review: ReviewHooks | null;
  wrap: boolean;
}

function DiffBody({ diff, path, kind, review, wrap }: BodyProps) {
  const rows = useMemo(() => diffRows(diff), [diff]);
  const [anchor, setAnchor] = useState<number | null>(null);
  const [end, setEnd] = useState<number | null>(null);
  if (diff.isBinary) return <p class="cv-note muted" role="status">Binary file — no line diff.</p>;
  if (rows.length === 0) return <p class="cv-note muted" role="status">No differences.</p>;
  const width = { '--cv-nw': `${numberWidth(diff)}ch` } as Record<string, string>;
  const lo = anchor === null || end === null ? -1 : Math.min(anchor, end);
  const hi = anchor === null || end === null ? -1 : Math.max(anchor, end);

  const pick = (i: number, extend: boolean) => {
    if (extend && anchor !== null) setEnd(i);
    else {
      setAnchor(i);
      setEnd(i);
    }
  };
  const clear = () => {
    setAnchor(null);
    setEnd(null);
  };
  const after = (i: number): ComponentChildren => {
    if (!review) return null;
    const notes = review.comments.filter((c) => c.to === i || (i === rows.length - 1 && c.to >= rows.length));
    return (
      <>
        {notes.map((c) => <CommentNote key={c.id} comment={c} onRemove={() => review.remove(c.id)} />)}
        {i === hi && (
          <CommentForm rows={rows} from={lo} to={hi} onCancel={clear}
            onAdd={(text, where, quote) => {
              review.add({ path, kind, from: lo, to: hi, where, quote, text });
              clear();
            }} />
        )}
      </>
    );
  };

  return (
    <>
      {diff.truncated && <p class="cv-note muted" role="status">The diff is very large and was cut short.</p>}
      {review && (
        <p class="cv-note muted cv-review-hint">Click a line to comment on it; Shift+click to select a range.</p>
      )}
      <div class="cv-scroll" tabIndex={0} role="region" aria-label={`Diff of ${path}`}>
        <div class={`cv-diff${review ? ' reviewing' : ''}${wrap ? ' wrap' : ''}`} style={width}>
          {rows.map((r, i) => (
            <Fragment key={i}>
              <Row row={r} selected={i >= lo && i <= hi}
                onPick={review && r.kind === 'line' ? (extend) => pick(i, extend) : null} />
              {after(i)}
            </Fragment>
          ))}
        </div>
      </div>
    </>
  );
}

function Row({ row: r, selected, onPick }: { row: DiffRow; selected: boolean; onPick: ((extend: boolean) => void) | null }) {
  if (r.kind === 'hunk') {
    return (
      <div class="cv-drow hunk">
        <span class="cv-dnum" />
        <span class="cv-dnum" />
        <span class="cv-dtext">
          {r.header}
          {r.hidden > 0 && <span class="muted"> · {r.hidden} unchanged line{r.hidden === 1 ? '' : 's'} above</span>}
        </span>
      </div>
    );
  }
  return (
    <div class={`cv-drow ${r.type}${selected ? ' selected' : ''}`}
      role={onPick ? 'button' : undefined}
      tabIndex={onPick ? 0 : undefined}
      aria-pressed={onPick ? selected : undefined}
      onClick={onPick ? (e) => onPick(e.shiftKey) : undefined}
      onKeyDown={onPick ? (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onPick(e.shiftKey);
        }
      } : undefined}>
      <span class="cv-dnum">{r.old ?? ''}</span>
      <span class="cv-dnum">{r.new ?? ''}</span>
      <span class="cv-dtext">
        <span class="cv-sign" aria-label={r.type === 'add' ? 'added' : r.type === 'remove' ? 'removed' : undefined}>{r.sign}</span>
        {r.text}
      </span>
    </div>
  );
}

function CommentForm({ rows, from, to, onAdd, onCancel }: {
  rows: DiffRow[]; from: number; to: number; onAdd: (text: string, where: string, quote: string) => void; onCancel: () => void;
}) {
  const [text, setText] = useState('');
  const lines = selectedLines(rows, from, to);
  const where = describeLines(lines);
  const tooLong = byteLength(text) > COMMENT_MAX_BYTES;
  const submit = (e: Event) => {
    e.preventDefault();
    // Cleaned now, so the note shows exactly what will be pasted.
    if (text.trim() && !tooLong) onAdd(sanitize(text).trim(), where, quoteLines(lines));
  };
  return (
    <form class="cv-comment-form" onSubmit={submit} aria-label={`Comment on ${where}`}>
      <textarea autoFocus value={text} rows={3} aria-label={`Comment on ${where}`} placeholder={`Comment on ${where}…`}
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            onCancel();
          } else if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) submit(e);
        }} />
      {tooLong && <p class="error" role="alert">A comment can be at most 4 KB.</p>}
      <div class="cv-comment-actions">
        <button type="submit" class="btn primary cv-small" disabled={!text.trim() || tooLong}>Add comment</button>
        <button type="button" class="btn cv-small" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}

function CommentNote({ comment, onRemove }: { comment: ReviewComment; onRemove: () => void }) {
  return (
    <div class="cv-comment" role="note" aria-label={`Review comment on ${comment.where}`}>
      <span class="cv-comment-where muted">{comment.where}</span>
      <p class="cv-comment-text">{comment.text}</p>
      <button type="button" class="btn cv-small" onClick={onRemove} aria-label={`Remove comment on ${comment.where}`}>Remove</button>
    </div>
  );
}
