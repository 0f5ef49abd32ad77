/**
 * The code viewer (issue #8): a lazy file tree, file tabs with highlighted code and a blame
 * gutter, the working tree's git changes with their diffs, and the commit log.
 *
 * Opened two ways: as a wide sheet from the terminal's tools (PanelProps), or as the page
 * /code/<sessionId> (`page`). Desktop shows the side list and the tabs side by side; a phone
 * shows one at a time with a back button.
 */
import { useEffect, useId, useMemo, useRef, useState } from 'preact/hooks';
import { activeTheme } from '../themes';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { codeApi, type GitStatus } from './codeApi';
import { DiffView } from './DiffView';
import { FileTree } from './FileTree';
import { FileView } from './FileView';
import { ChangesList, LogList } from './GitLists';
import { activeTab, closeTab, cycle, noTabs, openTab, tabKey, tabLabel, type DiffKind, type Tab, type Tabs } from './tabs';
import { ancestors, emptyTree, expand, invalidate, isLoaded, pendingLoads, ROOT, setChildren, setError, startLoading, toggle, type TreeNode, type TreeState } from './tree';
import { repoPrefix, toCwdPath, toRepoPath } from './pathmap';
import { errorOf, type LoadCache } from './useLoad';
import { useReview } from './useReview';
import './code.css';

export interface CodeViewerProps extends PanelProps {
  /** Render as a full page (the /code/<id> route) instead of a sheet. */
  page?: boolean;
  /** A file (relative to the session's cwd) to open at once. */
  initialFile?: string;
}

const STATUS_POLL_MS = 3000;

/** Where the viewer shows one pane at a time (code.css's phone layout): diffs wrap there. */
function narrowScreen(): boolean {
  return typeof matchMedia === 'function' && matchMedia('(max-width: 759px)').matches;
}

/** Rendered by the /code/<id> route: a page, and `?file=` names a file to open. */
function onCodePage(): boolean {
  return location.pathname.startsWith('/code/');
}

export default function CodeViewer({ sessionId, onClose, send, page = onCodePage(), initialFile }: CodeViewerProps) {
  initialFile ??= page ? new URLSearchParams(location.search).get('file') ?? undefined : undefined;
  if (page) {
    return (
      <div class="cv-page">
        <CodeBrowser sessionId={sessionId} initialFile={initialFile} onClose={onClose} page send={null} />
      </div>
    );
  }
  const pageLink = (
    <a class="btn icon" href={`/code/${encodeURIComponent(sessionId)}`} target="_blank" rel="noopener"
      aria-label="Open the code viewer in a new tab" title="Open in a new tab">↗</a>
  );
  return (
    <Sheet title="Code" wide onClose={onClose} class="cv-sheet" actions={pageLink}>
      <CodeBrowser sessionId={sessionId} initialFile={initialFile} onClose={onClose} page={false} send={send} />
    </Sheet>
  );
}

type Side = 'files' | 'changes' | 'log';
type RepoStatus = Extract<GitStatus, { isGitRepo: true }>;

interface BrowserProps {
  sessionId: string;
  initialFile?: string;
  onClose: () => void;
  page: boolean;
  /** Types into the session's terminal; null where there is none (the page): no review mode. */
  send: ((data: string) => void) | null;
}

function useGitStatus(api: ReturnType<typeof codeApi>) {
  const [status, setStatus] = useState<GitStatus | null>(null);
  const [error, setErrorText] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  const last = useRef('');

  useEffect(() => {
    let live = true;
    const poll = () => {
      if (document.visibilityState !== 'visible') return;
      api.status().then(
        (s) => {
          if (!live) return;
          setErrorText(null);
          const text = JSON.stringify(s);
          if (text === last.current) return;
          last.current = text;
          setStatus(s);
          setVersion((v) => v + 1);
        },
        (e: unknown) => live && setErrorText(errorOf(e).message),
      );
    };
    poll();
    const timer = setInterval(poll, STATUS_POLL_MS);
    document.addEventListener('visibilitychange', poll);
    return () => {
      live = false;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', poll);
    };
  }, [api]);
  return { status, error, version };
}

function CodeBrowser({ sessionId, initialFile, onClose, page, send }: BrowserProps) {
  const api = useMemo(() => codeApi(sessionId), [sessionId]);
  const cache = useRef<LoadCache>(new Map()).current;
  const [tree, setTree] = useState<TreeState>(emptyTree);
  const [root, setRoot] = useState<string | null>(null);
  const [side, setSide] = useState<Side>('files');
  const [tabs, setTabs] = useState<Tabs>(noTabs);
  const [view, setView] = useState<'side' | 'main'>(initialFile ? 'main' : 'side');
  const [blame, setBlame] = useState<Record<string, boolean>>({});
  const [wrap, setWrap] = useState(narrowScreen);
  const { status, error: statusError, version } = useGitStatus(api);
  const repo: RepoStatus | null = status?.isGitRepo ? status : null;
  const review = useReview(send, repo?.repoRoot ?? null);
  const prefix = repoPrefix(root, repo?.repoRoot);
  const ids = useId();

  const loadDir = (dir: string) => {
    setTree((s) => startLoading(s, dir));
    api.tree(dir).then(
      (answer) => {
        if (dir === ROOT) setRoot(answer.root);
        const nodes: TreeNode[] = answer.tree.map((n) => ({ name: n.name, path: n.path, type: n.type, size: n.size }));
        setTree((s) => setChildren(s, dir, nodes));
      },
      (e: unknown) => setTree((s) => setError(s, dir, errorOf(e).message)),
    );
  };

  /** Fetch every open folder again (files appear and vanish as the shell works). */
  const reloadTree = () => setTree(invalidate);
  const onToggle = (dir: string) => setTree((s) => toggle(s, dir).state);

  // Folders load lazily: whenever an open folder has no children yet, fetch them. This one
  // rule covers first opening, revealing a file and reloading the whole tree.
  useEffect(() => {
    for (const dir of pendingLoads(tree)) loadDir(dir);
  }, [tree]);

  const open = (tab: Tab) => {
    setTabs((s) => openTab(s, tab));
    setView('main');
  };
  const openFile = (path: string) => open({ kind: 'file', path });
  const openDiff = (path: string, diff: DiffKind) => open({ kind: 'diff', path, diff });

  useEffect(() => {
    if (!initialFile) return;
    // Reveal the file: open each folder on its way (the loading effect fetches them).
    setTree((s) => ancestors(initialFile).reduce(expand, s));
    openFile(initialFile);
  }, []);

  // On a phone the list and the content replace each other: focus left on a now-hidden row
  // would fall to <body>, out of the sheet (Esc and Tab would stop working), so move it over.
  const box = useRef<HTMLDivElement>(null);
  const mounted = useRef(false);
  useEffect(() => {
    const el = box.current;
    if (!mounted.current) {
      mounted.current = true; // the sheet (or the page) decides where focus starts
      return;
    }
    const focused = document.activeElement as HTMLElement | null;
    if (!el || (focused && focused !== document.body && (!el.contains(focused) || focused.offsetParent !== null))) return;
    const target = view === 'main'
      ? el.querySelector<HTMLElement>('.cv-back')
      : el.querySelector<HTMLElement>('.cv-side [role=treeitem][tabindex="0"], .cv-side-tab.active');
    target?.focus();
  }, [view]);

  // Leaving a git repo (the shell cd'd away) must not leave the git lists on screen.
  useEffect(() => {
    if (status && !status.isGitRepo && side !== 'files') setSide('files');
  }, [status]);

  const current = activeTab(tabs);
  /** Diff tabs hold repository paths; a file outside the cwd cannot be opened as a file. */
  const diffFileOpener = (repoPath: string) => {
    const path = toCwdPath(prefix, repoPath);
    return path === null ? null : () => openFile(path);
  };
  const sideTabs: [Side, string][] = repo
    ? [['files', 'Files'], ['changes', `Changes${changeCount(repo) ? ` (${changeCount(repo)})` : ''}`], ['log', 'Log']]
    : [['files', 'Files']];

  return (
    <div class={`cv${page ? ' cv-full' : ''}`} data-view={view} data-scheme={activeTheme.value.dark ? 'dark' : 'light'} ref={box}>
      {page && (
        <header class="cv-topbar">
          <button type="button" class="btn icon" onClick={onClose} aria-label="Back to the terminal" title="Back to the terminal">←</button>
          <h1 class="cv-title">Code</h1>
          <span class="cv-root muted" title={root ?? ''}><span dir="ltr">{root}</span></span>
        </header>
      )}
      <div class="cv-body">
        <aside class="cv-side" aria-label="Browse">
          <div class="cv-side-tabs" role="tablist" aria-label="Views">
            {sideTabs.map(([key, label]) => (
              <button key={key} type="button" role="tab" id={`${ids}-side-${key}`} aria-selected={side === key}
                aria-controls={`${ids}-side-panel`} class={`cv-side-tab${side === key ? ' active' : ''}`} onClick={() => setSide(key)}>
                {label}
              </button>
            ))}
          </div>
          <div class="cv-side-panel" id={`${ids}-side-panel`} role="tabpanel" aria-labelledby={`${ids}-side-${side}`}>
            {status && !status.isGitRepo && side === 'files' && (
              <p class="cv-note muted cv-nogit">Not a git repository: changes, blame and log are not available.</p>
            )}
            {side === 'files' && (
              <>
                <div class="cv-side-actions">
                  <span class="cv-root muted" title={root ?? ''}>{!page && <span dir="ltr">{root}</span>}</span>
                  <button type="button" class="btn cv-small" onClick={reloadTree} aria-label="Reload files" title="Reload files">⟳</button>
                </div>
                {tree.errors[ROOT] && <p class="cv-note error" role="alert">{tree.errors[ROOT]}</p>}
                {!isLoaded(tree, ROOT) && tree.loading[ROOT] && <p class="cv-note muted">Loading…</p>}
                {isLoaded(tree, ROOT) && tree.children[ROOT].length === 0 && <p class="cv-note muted">This folder is empty.</p>}
                <FileTree tree={tree} activePath={current?.kind === 'file' ? current.path : null} onToggle={onToggle} onOpen={openFile} />
              </>
            )}
            {side === 'changes' && statusError && <p class="cv-note error" role="alert">{statusError}</p>}
            {side === 'changes' && repo && (
              <ChangesList status={repo} active={tabs.active} onOpen={openDiff} />
            )}
            {side === 'log' && repo && <LogList api={api} cache={cache} />}
          </div>
        </aside>
        <main class="cv-main" aria-label="Open files">
          <div class="cv-main-head">
            <button type="button" class="btn cv-back" onClick={() => setView('side')} aria-label="Back to the list">← {side === 'files' ? 'Files' : side === 'changes' ? 'Changes' : 'Log'}</button>
            <TabStrip tabs={tabs} ids={ids} onActivate={(key) => setTabs((s) => ({ ...s, active: key }))}
              onClose={(key) => setTabs((s) => closeTab(s, key))} />
          </div>
          <div class="cv-tabpanel" role="tabpanel" id={`${ids}-panel`} aria-labelledby={current ? `${ids}-tab-${tabs.list.indexOf(current)}` : undefined}>
            {!current && <p class="cv-note muted cv-empty">Pick a file in the tree{repo ? ', or a change to see its diff' : ''}.</p>}
            {current?.kind === 'file' && (
              <FileView key={tabKey(current)} api={api} cache={cache} path={current.path} gitPath={repo ? toRepoPath(prefix, current.path) : null}
                blame={!!blame[current.path]} onToggleBlame={() => setBlame((b) => ({ ...b, [current.path]: !b[current.path] }))} />
            )}
            {current?.kind === 'diff' && (
              <DiffView key={tabKey(current)} api={api} cache={cache} path={current.path} kind={current.diff} version={version}
                onOpenFile={diffFileOpener(current.path)} review={review.hooksFor(current.path, current.diff)}
                wrap={wrap} onToggleWrap={() => setWrap((w) => !w)} />
            )}
          </div>
          {send && (review.comments.length > 0 || review.sent) && (
            <div class="cv-review-bar" role="region" aria-label="Review">
              {review.comments.length > 0 ? (
                <>
                  <span>{review.comments.length} review comment{review.comments.length === 1 ? '' : 's'}</span>
                  <button type="button" class="btn primary cv-small" onClick={review.send}>Send to terminal</button>
                  <button type="button" class="btn cv-small" onClick={review.discard}>Discard</button>
                </>
              ) : (
                <span role="status">{review.sent}</span>
              )}
            </div>
          )}
        </main>
      </div>
    </div>
  );
}

function changeCount(s: RepoStatus): number {
  return s.staged.length + s.modified.length + s.untracked.length;
}

interface TabStripProps {
  tabs: Tabs;
  ids: string;
  onActivate: (key: string) => void;
  onClose: (key: string) => void;
}

/** Open files and diffs; ←/→ switch, Delete closes, middle click closes. */
function TabStrip({ tabs, ids, onActivate, onClose }: TabStripProps) {
  const strip = useRef<HTMLDivElement>(null);
  const refocus = useRef(false);

  useEffect(() => {
    if (!refocus.current) return;
    refocus.current = false;
    strip.current?.querySelector<HTMLElement>('[role=tab][aria-selected=true]')?.focus();
  });
  // Keep the active tab in sight when it changes (a strip of many tabs scrolls sideways).
  useEffect(() => {
    strip.current?.querySelector('[role=tab][aria-selected=true]')?.scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
  }, [tabs.active]);

  const onKey = (e: KeyboardEvent) => {
    let next: string | null = null;
    if (e.key === 'ArrowRight') next = cycle(tabs, 1);
    else if (e.key === 'ArrowLeft') next = cycle(tabs, -1);
    else if (e.key === 'Home' && tabs.list[0]) next = tabKey(tabs.list[0]);
    else if (e.key === 'End' && tabs.list.length) next = tabKey(tabs.list[tabs.list.length - 1]);
    else if ((e.key === 'Delete' || e.key === 'Backspace') && tabs.active) {
      e.preventDefault();
      refocus.current = true;
      onClose(tabs.active);
      return;
    } else return;
    e.preventDefault();
    if (next) {
      refocus.current = true;
      onActivate(next);
    }
  };

  if (tabs.list.length === 0) return <div class="cv-tabs" />;
  return (
    <div class="cv-tabs" role="tablist" aria-label="Open files" ref={strip} onKeyDown={onKey}>
      {tabs.list.map((t, i) => {
        const key = tabKey(t);
        const selected = key === tabs.active;
        const label = tabLabel(t);
        return (
          <div key={key} class={`cv-tab${selected ? ' active' : ''}${t.kind === 'diff' ? ' diff' : ''}`}
            onMouseDown={(e) => e.button === 1 && e.preventDefault()}
            onAuxClick={(e) => {
              if (e.button === 1) {
                e.preventDefault();
                onClose(key);
              }
            }}>
            <button type="button" role="tab" id={`${ids}-tab-${i}`} aria-selected={selected} aria-controls={`${ids}-panel`}
              tabIndex={selected ? 0 : -1} title={t.path} onClick={() => onActivate(key)}>
              {label}
            </button>
            <button type="button" class="cv-tab-close" tabIndex={-1} aria-label={`Close ${label}`} title="Close (Delete)"
              onClick={() => onClose(key)}>×</button>
          </div>
        );
      })}
    </div>
  );
}
