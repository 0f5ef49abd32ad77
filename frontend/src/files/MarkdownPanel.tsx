/**
 * Markdown viewer: lists the folders and .md/.markdown files of the session's cwd, renders
 * a chosen file as GFM, sanitised (see markdown.ts for the policy), with GitHub emoji
 * shortcodes and mermaid diagrams. `marked` and DOMPurify are imported only when the first
 * document is shown, gemoji and mermaid only for documents that use them. Links to other markdown files open
 * here (with Back), #links scroll to their heading; A−/A+, Ctrl+wheel and pinch zoom the text.
 */
import { useSignal } from '@preact/signals';
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';
import { FolderPicker, useFolder } from './Browser';
import type { FileEntry } from './fileApi';
import { FilterField } from './FilterField';
import { MD_ANCHOR_ATTR, MD_HASH_ATTR, MD_PATH_ATTR } from './markdown';
import { basename, dirnameRel, filterByName, isMarkdown, joinRel } from './paths';
import { scrollToHeading, useMarkdownDoc } from './useMarkdownDoc';
import { useZoom } from './useZoom';

export interface MarkdownPanelProps extends PanelProps {
  /** Open this root-relative markdown file at once (e.g. from the file browser). */
  file?: string;
}

function ZoomButtons({ onStep }: { onStep: (up: boolean) => void }) {
  return (
    <>
      <button type="button" class="btn icon" aria-label="Smaller text" title="Smaller text" onClick={() => onStep(false)}>
        A−
      </button>
      <button type="button" class="btn icon" aria-label="Larger text" title="Larger text" onClick={() => onStep(true)}>
        A+
      </button>
    </>
  );
}

export default function MarkdownPanel({ sessionId, onClose, file }: MarkdownPanelProps) {
  const folder = useFolder(sessionId, file ? dirnameRel(file) : '');
  const md = useMarkdownDoc(sessionId, file);
  const zoom = useZoom();
  const filter = useSignal('');

  const onDocClick = (e: MouseEvent) => {
    const a = (e.target as Element | null)?.closest?.('a');
    if (!a || !md.article.current) return;
    const path = a.getAttribute(MD_PATH_ATTR);
    if (path !== null) {
      e.preventDefault();
      md.show(path, a.getAttribute(MD_HASH_ATTR) ?? '');
      return;
    }
    const anchor = a.getAttribute(MD_ANCHOR_ATTR);
    if (anchor !== null) {
      e.preventDefault();
      scrollToHeading(md.article.current, anchor);
    }
  };

  const activate = (entry: FileEntry) => {
    const rel = joinRel(folder.rel, entry.name);
    if (entry.type === 'directory') {
      filter.value = '';
      folder.open(rel);
    } else md.open(rel);
  };

  const shown = filterByName(
    folder.entries.filter((e) => e.type === 'directory' || isMarkdown(e.name)),
    filter.value,
  );
  const current = md.doc;
  // Back (or, on a phone, back to the list) sits in the sheet's header, which already names
  // the document: a row of its own repeated the name and cost a phone ~55 px of text.
  const actions = current && (
    <>
      <button type="button" class={`btn md-back${md.canGoBack ? '' : ' md-to-list'}`} onClick={md.back}
        title={md.canGoBack ? 'Back to the previous document' : 'Back to the list of files'}>
        ←<span class="md-back-label"> {md.canGoBack ? 'Back' : 'Files'}</span>
      </button>
      <ZoomButtons onStep={zoom.step} />
    </>
  );
  return (
    <Sheet title={current ? basename(current.path) : 'Markdown'} onClose={onClose} wide actions={actions} class="md-sheet">
      <div class={`md-layout${current ? ' has-doc' : ''}`}>
        <aside class="md-side" aria-label="Markdown files">
          <div class="md-filter">
            <FilterField label="Filter markdown files" filter={filter} />
          </div>
          <FolderPicker
            folder={folder}
            label="Folders and markdown files"
            entries={shown}
            onActivate={activate}
            current={current && dirnameRel(current.path) === folder.rel ? basename(current.path) : null}
            empty="No markdown files here."
          />
        </aside>
        <section class="md-main" aria-label="Document" hidden={!current}>
          {md.loading && <p class="muted">Loading…</p>}
          {md.error && (
            <p class="error" role="alert">
              {md.error}
            </p>
          )}
          <div
            ref={md.article}
            class="md-body"
            role="document"
            tabIndex={0}
            style={{ fontSize: `${zoom.zoom * 100}%` }}
            onClick={onDocClick}
            {...zoom.handlers}
          />
        </section>
      </div>
    </Sheet>
  );
}
