/**
 * Markdown → sanitised DOM. Loaded on demand by the markdown panel, so `marked` and
 * DOMPurify stay out of the initial bundle. The policy itself lives in markdown.ts.
 */
import { Marked } from 'marked';
import createDOMPurify from 'dompurify';
import {
  EXTERNAL_REL,
  HEADING_ID_PREFIX,
  REMOTE_SRC_ATTR,
  SANITIZE_CONFIG,
  applyPolicy,
  defuseHandlers,
  slugify,
  type RenderContext,
} from './markdown';

const marked = new Marked({ gfm: true, breaks: false });
// A private instance: hooks added here never affect another user of DOMPurify.
const purify = createDOMPurify(window);

/** Remote images are not loaded (see markdown.ts); show a link to them in their place. */
function replaceRemoteImages(root: DocumentFragment): void {
  for (const img of Array.from(root.querySelectorAll<HTMLImageElement>(`img[${REMOTE_SRC_ATTR}]`))) {
    const a = document.createElement('a');
    a.href = img.getAttribute(REMOTE_SRC_ATTR) ?? '';
    a.target = '_blank';
    a.rel = EXTERNAL_REL;
    a.className = 'md-remote-img';
    a.textContent = `🖼 ${img.alt || 'remote image'}`;
    a.title = `Remote image (not loaded): ${a.href}`;
    img.replaceWith(a);
  }
}

/** Stable, unique ids for headings so in-document #links work. */
function addHeadingIds(root: DocumentFragment): void {
  const seen = new Map<string, number>();
  for (const h of Array.from(root.querySelectorAll('h1, h2, h3, h4, h5, h6'))) {
    const base = slugify(h.textContent ?? '') || 'section';
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    h.id = HEADING_ID_PREFIX + (n ? `${base}-${n}` : base);
  }
}

/** Render `markdown` (GFM) into a sanitised fragment ready to append to the page. */
export function renderMarkdown(markdown: string, ctx: RenderContext): DocumentFragment {
  const html = defuseHandlers(marked.parse(markdown, { async: false }));
  const drop: Element[] = [];
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeType === 1 && !applyPolicy(node as Element, ctx)) drop.push(node as Element);
  });
  try {
    const fragment = purify.sanitize(html, { ...SANITIZE_CONFIG, RETURN_DOM_FRAGMENT: true });
    for (const el of drop) el.remove();
    replaceRemoteImages(fragment);
    addHeadingIds(fragment);
    return document.importNode(fragment, true);
  } finally {
    purify.removeHook('afterSanitizeAttributes');
  }
}
