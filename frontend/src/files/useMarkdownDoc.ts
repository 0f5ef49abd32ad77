/**
 * The document the markdown viewer shows: fetched and rendered into the article element
 * (a newer choice wins over a slower older one), redrawn in place when the theme flips
 * between light and dark, with a Back history of the documents followed by links.
 */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api';
import { errorText } from '../errorText';
import { activeTheme } from '../themes';
import { fileContent } from './fileApi';
import { HEADING_ID_PREFIX, slugify } from './markdown';

/** Scroll to the heading a #fragment names (GitHub slugs, with or without our prefix). */
export function scrollToHeading(root: HTMLElement, fragment: string): void {
  const slug = fragment.startsWith(HEADING_ID_PREFIX) ? fragment : HEADING_ID_PREFIX + slugify(fragment);
  const target = Array.from(root.querySelectorAll<HTMLElement>('[id]')).find((el) => el.id === slug);
  target?.scrollIntoView({ block: 'start' });
}

export interface Doc {
  path: string;
  hash: string;
}

export function useMarkdownDoc(sessionId: string, file: string | undefined) {
  const doc = useSignal<Doc | null>(file ? { path: file, hash: '' } : null);
  const history = useSignal<string[]>([]);
  const loading = useSignal(false);
  const error = useSignal<string | null>(null);
  const article = useRef<HTMLDivElement>(null);
  const token = useRef(0);
  const rendered = useRef<Doc | null>(null);
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
        error.value = errorText(err, 'Could not render this file', ApiError);
      })
      .finally(() => {
        if (mine === token.current) loading.value = false;
      });
  }, [doc.value, sessionId, dark]);

  const show = (path: string, hash = '', remember = true) => {
    if (remember && doc.value) history.value = [...history.value, doc.value.path];
    doc.value = { path, hash };
  };

  /** Open a file chosen from the list: a fresh start, with no Back history. */
  const open = (path: string) => {
    history.value = [];
    show(path, '', false);
  };

  const back = () => {
    const prev = history.value[history.value.length - 1];
    history.value = history.value.slice(0, -1);
    if (prev) show(prev, '', false);
    else doc.value = null;
  };

  return { doc: doc.value, canGoBack: history.value.length > 0, loading: loading.value, error: error.value, article, show, open, back };
}
