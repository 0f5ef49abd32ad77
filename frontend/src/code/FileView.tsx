/**
 * One file's content (CodePanel): line numbers, syntax highlighting loaded on demand, an
 * optional blame gutter, and clear messages for binary, image, too-large and missing files.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { blameTitle, groupBlame, relativeDate, type BlameGroup } from './blame';
import type { CodeApi, FileText } from './codeApi';
import { highlight } from './highlight';
import { countLines, highlightVerdict, isImage, languageFor, looksBinary } from './lang';
import { useLoad, type LoadCache } from './useLoad';

export interface FileViewProps {
  api: CodeApi;
  cache: LoadCache;
  path: string;
  /** The same file's path relative to the repository root (git routes), or null: no git. */
  gitPath: string | null;
  blame: boolean;
  onToggleBlame: () => void;
}

function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function FileView({ api, cache, path, gitPath, blame, onToggleBlame }: FileViewProps) {
  const image = isImage(path);
  const [file, reload] = useLoad<FileText | null>(cache, `file:${path}`, () => (image ? Promise.resolve(null) : api.file(path)));

  const toolbar = (
    <div class="cv-toolbar">
      <span class="cv-path" title={path}>{path}</span>
      {file.state === 'ok' && file.data && <span class="muted cv-meta">{formatSize(file.data.size)}</span>}
      {gitPath !== null && !image && (
        <button type="button" class="btn cv-small" aria-pressed={blame} onClick={onToggleBlame} title="Show who last changed each line">
          Blame
        </button>
      )}
      <button type="button" class="btn cv-small" onClick={reload} aria-label={`Reload ${path}`} title="Reload">⟳</button>
      <a class="btn cv-small" href={api.downloadUrl(path)} aria-label={`Download ${path}`} title="Download">⤓</a>
    </div>
  );

  if (image) {
    return (
      <div class="cv-file">
        {toolbar}
        <div class="cv-image"><img src={api.rawUrl(path)} alt={path} /></div>
      </div>
    );
  }
  return (
    <div class="cv-file">
      {toolbar}
      {file.state === 'loading' && <p class="cv-note muted">Loading…</p>}
      {file.state === 'error' && (
        <p class="cv-note error" role="alert">
          {file.message}
          {file.status === 413 && <> — <a href={api.downloadUrl(path)}>download it</a> instead.</>}
        </p>
      )}
      {file.state === 'ok' && file.data && (
        <FileBody api={api} cache={cache} path={path} gitPath={gitPath} blame={blame} file={file.data} />
      )}
    </div>
  );
}

interface BodyProps {
  api: CodeApi;
  cache: LoadCache;
  path: string;
  gitPath: string | null;
  blame: boolean;
  file: FileText;
}

function FileBody({ api, cache, path, gitPath, blame, file }: BodyProps) {
  const binary = useMemo(() => looksBinary(file.content), [file]);
  const lines = useMemo(() => countLines(file.content), [file]);
  const lang = languageFor(path);
  const verdict = highlightVerdict(lang, file.size, lines);
  const [html, setHtml] = useState<string | null>(null);
  // The blame group whose details are open (a tap on the compact phone gutter shows them).
  // With the gutter's changes, so the details can step to the next one (a finger easily lands a
  // 20 px row off).
  const [picked, setPicked] = useState<Picked | null>(null);
  const step = (by: number) => setPicked((p) => p && { group: p.all[p.all.indexOf(p.group) + by] ?? p.group, all: p.all });

  useEffect(() => {
    setHtml(null);
    if (binary || verdict !== 'ok') return;
    let live = true;
    highlight(file.content, lang).then(
      (out) => live && setHtml(out),
      () => undefined, // a grammar that fails to load leaves the plain text up
    );
    return () => {
      live = false;
    };
  }, [file, lang, binary, verdict]);

  if (binary) {
    return <p class="cv-note muted" role="status">Binary file ({formatSize(file.size)}) — not shown.</p>;
  }
  if (lines === 0) return <p class="cv-note muted" role="status">Empty file.</p>;
  const numbers = Array.from({ length: lines }, (_, i) => i + 1).join('\n');
  return (
    <>
      {verdict === 'too-large' && (
        <p class="cv-note muted" role="status">Large file ({lines} lines, {formatSize(file.size)}): syntax highlighting is off.</p>
      )}
      {blame && picked && <BlameDetails picked={picked} onStep={step} onClose={() => setPicked(null)} />}
      <div class="cv-scroll" tabIndex={0} role="region" aria-label={`Contents of ${path}`}>
        <div class="cv-lines">
          <div class="cv-gutter">
            {blame && gitPath !== null && (
              <BlameGutter api={api} cache={cache} gitPath={gitPath} lines={lines} picked={picked?.group.start ?? null}
                onPick={(g, all) => setPicked((p) => (p?.group.start === g.start ? null : { group: g, all }))} />
            )}
            <pre class="cv-nums" aria-hidden="true">{numbers}</pre>
          </div>
          <pre class="cv-code" data-lang={lang}>
            {html !== null ? <code class="hljs" dangerouslySetInnerHTML={{ __html: html }} /> : <code>{file.content}</code>}
          </pre>
        </div>
      </div>
    </>
  );
}

interface Picked {
  group: BlameGroup;
  /** Every change in the gutter, in line order. */
  all: BlameGroup[];
}

interface GutterProps {
  api: CodeApi;
  cache: LoadCache;
  gitPath: string;
  lines: number;
  /** First line of the group whose details are open. */
  picked: number | null;
  onPick: (group: BlameGroup, all: BlameGroup[]) => void;
}

/** A touch screen: a 20 px line is too small a target for a thumb (issue #16). */
const coarse = () => typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;

function BlameGutter({ api, cache, gitPath, lines, picked, onPick }: GutterProps) {
  const [blame] = useLoad(cache, `blame:${gitPath}`, () => api.blame(gitPath));
  const groups = useMemo(() => (blame.state === 'ok' ? groupBlame(blame.data.lines) : []), [blame]);
  const touch = useMemo(coarse, []);
  const height = { height: `calc(${lines} * var(--cv-lh))` };
  if (blame.state === 'loading') return <div class="cv-blame" style={height}><span class="cv-blame-note">Loading blame…</span></div>;
  if (blame.state === 'error') {
    return <div class="cv-blame" style={height}><span class="cv-blame-note error" role="alert">{blame.message}</span></div>;
  }
  if (groups.length === 0) {
    return <div class="cv-blame" style={height}><span class="cv-blame-note">Not committed yet: no blame.</span></div>;
  }
  const now = Date.now();
  let next = 1;
  const cells = [];
  for (const g of groups) {
    // Lines blame does not cover (a shorter blame than the file) stay blank but aligned.
    if (g.start > next) cells.push(<div key={`gap${next}`} class="cv-blame-gap" style={{ height: `calc(${g.start - next} * var(--cv-lh))` }} />);
    cells.push(<BlameCell key={g.start} group={g} now={now} open={picked === g.start} onPick={touch ? null : () => onPick(g, groups)} />);
    next = g.start + g.count;
  }
  if (!touch) return <div class="cv-blame" role="list" aria-label="Blame">{cells}</div>;
  // On a touch screen the groups are drawn but the tap target is the whole gutter, one button
  // over them: the line under the finger picks its group. (A keyboard's click comes at 0, 0:
  // it picks the first line in view.)
  const pickAt = (e: MouseEvent) => {
    const button = e.currentTarget as HTMLElement;
    const box = button.getBoundingClientRect();
    const view = button.closest('.cv-scroll')?.getBoundingClientRect() ?? box;
    const y = e.detail === 0 ? Math.max(box.top, view.top) + 1 : e.clientY;
    const line = Math.floor((y - box.top) / (parseFloat(getComputedStyle(button).getPropertyValue('--cv-lh')) || 20)) + 1;
    const g = groups.find((c) => line >= c.start && line < c.start + c.count);
    if (g) onPick(g, groups);
  };
  return (
    <div class="cv-blame">
      <div role="list" aria-label="Blame">{cells}</div>
      <button type="button" class="cv-blame-pick" aria-expanded={picked !== null} onClick={pickAt}
        aria-label="Blame: tap a line to see who last changed it" />
    </div>
  );
}

interface CellProps {
  group: BlameGroup;
  now: number;
  open: boolean;
  /** Null on a touch screen, where the gutter's one button picks (BlameGutter). */
  onPick: (() => void) | null;
}

/** One run of lines from a commit. On a phone only its short hash shows; a tap (or a click,
 *  or Enter) opens the whole story above the code. */
function BlameCell({ group, now, open, onPick }: CellProps) {
  const span = group.count > 1 ? `lines ${group.start}–${group.start + group.count - 1}` : `line ${group.start}`;
  const label = `${span}: ${group.commit ?? 'uncommitted'} by ${group.author}, ${relativeDate(group.date, now)}, ${group.summary}`;
  const text = (
    <>
      <span class="cv-blame-hash">{group.commit ?? '·······'}</span>
      <span class="cv-blame-author">{group.author}</span>
      <span class="cv-blame-date">{relativeDate(group.date, now)}</span>
    </>
  );
  return (
    <div
      class={`cv-blame-group${group.commit ? '' : ' uncommitted'}${open ? ' open' : ''}`}
      role="listitem"
      aria-label={onPick ? undefined : label}
      style={{ height: `calc(${group.count} * var(--cv-lh))` }}
      title={blameTitle(group)}
      data-lines={`${group.start}-${group.start + group.count - 1}`}
    >
      {onPick ? (
        <button type="button" class="cv-blame-btn" aria-expanded={open} onClick={onPick} aria-label={label}>
          {text}
        </button>
      ) : (
        <div class="cv-blame-btn">{text}</div>
      )}
    </div>
  );
}

function BlameDetails({ picked, onStep, onClose }: { picked: Picked; onStep: (by: number) => void; onClose: () => void }) {
  const { group, all } = picked;
  const at = all.indexOf(group);
  const when = group.date ? new Date(group.date).toLocaleString() : '';
  const last = group.start + group.count - 1;
  return (
    <div class="cv-blame-card" role="note" aria-label="Blame details">
      <div class="cv-blame-card-text">
        <span class="cv-blame-hash">{group.commit ?? 'Not committed yet'}</span>
        <span> · {group.author}{when && <> · {when} ({relativeDate(group.date)})</>}</span>
        <span class="muted"> · {last > group.start ? `lines ${group.start}–${last}` : `line ${group.start}`}</span>
        <div class="cv-blame-card-summary">{group.summary}</div>
      </div>
      <button type="button" class="btn icon cv-small" onClick={() => onStep(-1)} disabled={at <= 0} aria-label="Previous change" title="Previous change">‹</button>
      <button type="button" class="btn icon cv-small" onClick={() => onStep(1)} disabled={at >= all.length - 1} aria-label="Next change" title="Next change">›</button>
      <button type="button" class="btn icon cv-small" onClick={onClose} aria-label="Close blame details" title="Close">×</button>
    </div>
  );
}
