/**
 * Markdown viewer: lists the folders and .md/.markdown files of the session's cwd, renders
 * a chosen file as GFM, sanitised (see markdown.ts for the policy), with GitHub emoji
 * shortcodes and mermaid diagrams. `marked` and DOMPurify are imported only when the first
 * document is shown, gemoji and mermaid only for documents that use them. Links to other markdown files open
 * here (with Back), #links scroll to their heading; A−/A+, Ctrl+wheel and pinch zoom the text.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api';
import { activeTheme } from '../themes';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { Breadcrumbs, EntryList, useFolder } from './Browser';
import { fileContent, type FileEntry } from './fileApi';
import { HEADING_ID_PREFIX, MD_ANCHOR_ATTR, MD_HASH_ATTR, MD_PATH_ATTR, slugify } from './markdown';
import { basename, dirnameRel, filterByName, isMarkdown, joinRel } from './paths';

export interface MarkdownPanelProps extends PanelProps {
  /** Open this root-relative markdown file at once (e.g. from the file browser). */
  file?: string;
}

const ZOOM_MIN = 0.6;
const ZOOM_MAX = 2.4;
const ZOOM_STEP = 0.1;

function clampZoom(z: number): number {
  return Math.round(Math.min(ZOOM_MAX, Math.max(ZOOM_MIN, z)) * 10) / 10;
}

/** Scroll to the heading a #fragment names (GitHub slugs, with or without our prefix). */
function scrollToHeading(root: HTMLElement, fragment: string): void {
  const slug = fragment.startsWith(HEADING_ID_PREFIX) ? fragment : HEADING_ID_PREFIX + slugify(fragment);
  const target = Array.from(root.querySelectorAll<HTMLElement>('[id]')).find((el) => el.id === slug);
  target?.scrollIntoView({ block: 'start' });
}

export default function MarkdownPanel({ sessionId, onClose, file }: MarkdownPanelProps) {
  const folder = useFolder(sessionId, file ? dirnameRel(file) : '');
  const doc = useSignal<{ path: string; hash: string } | null>(file ? { path: file, hash: '' } : null);
  const history = useSignal<string[]>([]);
  const loading = useSignal(false);
  const error = useSignal<string | null>(null);
  const zoom = useSignal(1);
  const filter = useSignal('');
  const article = useRef<HTMLDivElement>(null);
  const token = useRef(0);
  const rendered = useRef<{ path: string; hash: string } | null>(null);
  // Diagrams are drawn in the theme's light or dark palette: a flip redraws the document.
  const dark = activeTheme.value.dark;

  useEffect(() => {
    const current = doc.value;
    const el = article.current;
    if (!current || !el) return;
    const mine = ++token.current;
    const redraw = rendered.current === current; // same document, new theme: keep the place
    const scrolled = el.scrollTop;
    loading.value = true;
    error.value = null;
    const stillWanted = () => mine === token.current && el.isConnected;
    Promise.all([fileContent(sessionId, current.path), import('./mdRender')])
      .then(([{ content }, { renderMarkdown }]) => renderMarkdown(content, { sessionId, mdPath: current.path }))
      .then(({ fragment, diagrams }) => {
        if (mine !== token.current) return;
        el.replaceChildren(fragment);
        rendered.current = current;
        el.scrollTop = redraw ? scrolled : 0;
        if (current.hash && !redraw) scrollToHeading(el, current.hash);
        // Mermaid is big: fetched only for documents that have a diagram.
        if (diagrams) {
          import('./diagramRender')
            .then(({ renderDiagrams }) => renderDiagrams(el, dark, stillWanted))
            .catch(() => {
              if (stillWanted()) error.value = 'Could not load the diagram renderer';
            });
        }
      })
      .catch((err: unknown) => {
        if (mine !== token.current) return;
        el.replaceChildren();
        error.value = err instanceof ApiError ? err.message : 'Could not render this file';
      })
      .finally(() => {
        if (mine === token.current) loading.value = false;
      });
  }, [doc.value, sessionId, dark]);

  const show = (path: string, hash = '', remember = true) => {
    if (remember && doc.value) history.value = [...history.value, doc.value.path];
    doc.value = { path, hash };
  };

  const back = () => {
    const prev = history.value[history.value.length - 1];
    history.value = history.value.slice(0, -1);
    if (prev) show(prev, '', false);
    else doc.value = null;
  };

  const onDocClick = (e: MouseEvent) => {
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || !article.current) return;
    const path = a.getAttribute(MD_PATH_ATTR);
    if (path !== null) {
      e.preventDefault();
      show(path, a.getAttribute(MD_HASH_ATTR) ?? '');
      return;
    }
    const anchor = a.getAttribute(MD_ANCHOR_ATTR);
    if (anchor !== null) {
      e.preventDefault();
      scrollToHeading(article.current, anchor);
    }
  };

  // Two-finger pinch scales the text (the page itself keeps its size: touch-action in CSS).
  const pinch = useRef<{ distance: number; zoom: number } | null>(null);
  const spread = (t: TouchList) => Math.hypot(t[0].clientX - t[1].clientX, t[0].clientY - t[1].clientY);
  const onTouchStart = (e: TouchEvent) => {
    pinch.current = e.touches.length === 2 ? { distance: spread(e.touches), zoom: zoom.value } : null;
  };
  const onTouchMove = (e: TouchEvent) => {
    const start = pinch.current;
    if (!start || e.touches.length !== 2 || start.distance === 0) return;
    e.preventDefault();
    zoom.value = clampZoom(start.zoom * (spread(e.touches) / start.distance));
  };

  const onWheel = (e: WheelEvent) => {
    if (!e.ctrlKey) return;
    e.preventDefault();
    zoom.value = clampZoom(zoom.value + (e.deltaY < 0 ? ZOOM_STEP : -ZOOM_STEP));
  };

  const activate = (entry: FileEntry) => {
    const rel = joinRel(folder.rel, entry.name);
    if (entry.type === 'directory') {
      filter.value = '';
      folder.open(rel);
    } else {
      history.value = [];
      show(rel, '', false);
    }
  };

  const list = folder.listing;
  const shown = filterByName(
    folder.entries.filter((e) => e.type === 'directory' || isMarkdown(e.name)),
    filter.value,
  );
  const current = doc.value;
  const actions = current && (
    <>
      <button type="button" class="btn icon" aria-label="Smaller text" title="Smaller text" onClick={() => (zoom.value = clampZoom(zoom.value - ZOOM_STEP))}>
        A−
      </button>
      <button type="button" class="btn icon" aria-label="Larger text" title="Larger text" onClick={() => (zoom.value = clampZoom(zoom.value + ZOOM_STEP))}>
        A+
      </button>
    </>
  );

  return (
    <Sheet title={current ? basename(current.path) : 'Markdown'} onClose={onClose} wide actions={actions} class="md-sheet">
      <div class={`md-layout${current ? ' has-doc' : ''}`}>
        <aside class="md-side" aria-label="Markdown files">
          <input
            class="fb-filter"
            type="search"
            placeholder="Filter"
            aria-label="Filter markdown files"
            value={filter.value}
            onInput={(e) => (filter.value = e.currentTarget.value)}
          />
          {list && <Breadcrumbs rootDir={list.rootDir} rel={folder.rel} onOpen={(rel) => folder.open(rel)} />}
          {folder.error && (
            <p class="error" role="alert">
              {folder.error}
            </p>
          )}
          {list && (
            <EntryList
              label="Folders and markdown files"
              entries={shown}
              onActivate={activate}
              current={current && dirnameRel(current.path) === folder.rel ? basename(current.path) : null}
              empty="No markdown files here."
            />
          )}
        </aside>
        <section class="md-main" aria-label="Document" hidden={!current}>
          <div class="md-nav">
            <button type="button" class={`btn${history.value.length ? '' : ' md-to-list'}`} onClick={back}>
              ← {history.value.length ? 'Back' : 'Files'}
            </button>
            {current && <span class="md-path muted">{current.path}</span>}
          </div>
          {loading.value && <p class="muted">Loading…</p>}
          {error.value && (
            <p class="error" role="alert">
              {error.value}
            </p>
          )}
          <div
            ref={article}
            class="md-body"
            role="document"
            tabIndex={0}
            style={{ fontSize: `${zoom.value * 100}%` }}
            onClick={onDocClick}
            onWheel={onWheel}
            onTouchStart={onTouchStart}
            onTouchMove={onTouchMove}
            onTouchEnd={() => (pinch.current = null)}
          />
        </section>
      </div>
    </Sheet>
  );
}
