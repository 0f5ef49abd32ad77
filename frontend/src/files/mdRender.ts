/**
 * Markdown → sanitised DOM. Loaded on demand by the markdown panel, so `marked` and
 * DOMPurify stay out of the initial bundle. The policy itself lives in markdown.ts.
 * Emoji shortcodes need gemoji's table, imported only for documents that may contain one;
 * ```mermaid blocks become placeholders that diagramRender.ts fills in afterwards.
 */
import { Marked } from 'marked';
import createDOMPurify from 'dompurify';
import { DIAGRAM_CLASS, isMermaidClass } from './diagrams';
import { emojiExtension, mayHaveShortcodes } from './emoji';
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

const OPTIONS = { gfm: true, breaks: false } as const;
const marked = new Marked(OPTIONS);
let withEmoji: Promise<Marked> | null = null;

/** A parser that also knows the shortcodes (gemoji's table is fetched on first use). */
function emojiMarked(): Promise<Marked> {
  withEmoji ??= import('gemoji').then(({ nameToEmoji }) => new Marked(OPTIONS, { extensions: [emojiExtension(nameToEmoji)] }));
  withEmoji.catch(() => (withEmoji = null));
  return withEmoji;
}
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

/**
 * Swap each ```mermaid block for a busy figure that keeps the block (hidden) as its source
 * and says the diagram is coming. Returns how many there are.
 */
function markDiagrams(root: DocumentFragment): number {
  const blocks = Array.from(root.querySelectorAll('pre > code')).filter((code) => isMermaidClass(code.getAttribute('class')));
  for (const code of blocks) {
    const pre = code.parentElement as HTMLPreElement;
    const figure = document.createElement('figure');
    figure.className = DIAGRAM_CLASS;
    figure.setAttribute('aria-busy', 'true');
    const status = document.createElement('p');
    status.className = 'md-diagram-status muted';
    status.setAttribute('role', 'status');
    status.textContent = 'Rendering diagram…';
    pre.replaceWith(figure);
    pre.hidden = true;
    figure.append(status, pre);
  }
  return blocks.length;
}

/** Parse with the emoji extension when the text may hold shortcodes, plainly otherwise. */
async function toHtml(markdown: string): Promise<string> {
  let parser = marked;
  if (mayHaveShortcodes(markdown)) {
    try {
      parser = await emojiMarked();
    } catch {
      // The table failed to load: the shortcodes stay as typed, the document still shows.
    }
  }
  return parser.parse(markdown, { async: false });
}

export interface Rendered {
  fragment: DocumentFragment;
  /** How many diagram placeholders the fragment holds (render them with diagramRender.ts). */
  diagrams: number;
}

/** Render `markdown` (GFM) into a sanitised fragment ready to append to the page. */
export async function renderMarkdown(markdown: string, ctx: RenderContext): Promise<Rendered> {
  const html = defuseHandlers(await toHtml(markdown));
  const drop: Element[] = [];
  purify.addHook('afterSanitizeAttributes', (node) => {
    if (node.nodeType === 1 && !applyPolicy(node as Element, ctx)) drop.push(node as Element);
  });
  try {
    const fragment = purify.sanitize(html, { ...SANITIZE_CONFIG, RETURN_DOM_FRAGMENT: true });
    for (const el of drop) el.remove();
    replaceRemoteImages(fragment);
    addHeadingIds(fragment);
    const imported = document.importNode(fragment, true);
    return { fragment: imported, diagrams: markDiagrams(imported) };
  } finally {
    purify.removeHook('afterSanitizeAttributes');
  }
}
