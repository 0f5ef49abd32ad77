/**
 * The markdown viewer's safety and link policy, as pure functions over a minimal element
 * interface so it can be unit-tested without a DOM (mdRender.ts wires it into DOMPurify).
 *
 * Policy:
 * - HTML in markdown is allowed, minus anything active: scripts, event handlers, iframes,
 *   objects, forms and their controls, style elements and attributes, SVG/MathML, and any URL
 *   scheme other than http(s), mailto, tel and (images only) data:image.
 * - Relative images and media are served from the session through `file-raw` (resolved
 *   against the markdown file's folder; "/x" means the session root). Remote http(s) images
 *   are NOT loaded: the app's Content-Security-Policy allows only same-origin images, and
 *   fetching them would tell a third party that (and from where) the file was opened. They
 *   become a link to the image instead.
 * - Links to other .md files open inside the viewer; other relative links open the raw file
 *   in a new tab; external links open in a new tab with rel="noopener noreferrer".
 */
import type { Config } from 'dompurify';
import { dirnameRel, normalizeRel } from './paths';

export interface RenderContext {
  sessionId: string;
  /** Root-relative path of the markdown file being shown. */
  mdPath: string;
}

/** DOMPurify configuration (on top of its defaults, which already drop on* handlers and javascript: URLs). */
export const SANITIZE_CONFIG: Config = {
  USE_PROFILES: { html: true },
  FORBID_TAGS: [
    'script', 'style', 'iframe', 'frame', 'frameset', 'object', 'embed', 'applet', 'form',
    'button', 'select', 'option', 'textarea', 'link', 'meta', 'base', 'template', 'noscript',
    'svg', 'math', 'portal',
  ],
  FORBID_ATTR: ['style', 'srcset', 'action', 'formaction', 'ping', 'autofocus'],
  ALLOW_DATA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
};

/** The `rel` every link that leaves the viewer gets. */
export const EXTERNAL_REL = 'noopener noreferrer';

const SCHEME = /^([a-z][a-z0-9+.-]*):/i;

function schemeOf(url: string): string | null {
  const m = SCHEME.exec(url.trim());
  return m ? m[1].toLowerCase() : null;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A relative URL from the markdown file, as a root-relative file path plus its #fragment;
 * null when it leaves the session root.
 */
export function resolveRelative(url: string, mdPath: string): { path: string; hash: string } | null {
  const hashAt = url.indexOf('#');
  const hash = hashAt >= 0 ? url.slice(hashAt + 1) : '';
  let path = hashAt >= 0 ? url.slice(0, hashAt) : url;
  const queryAt = path.indexOf('?');
  if (queryAt >= 0) path = path.slice(0, queryAt);
  path = safeDecode(path);
  const joined = path.startsWith('/') ? path : `${dirnameRel(mdPath)}/${path}`;
  const norm = normalizeRel(joined);
  return norm === null ? null : { path: norm, hash: safeDecode(hash) };
}

export function rawUrl(sessionId: string, rel: string): string {
  return `/api/sessions/${encodeURIComponent(sessionId)}/file-raw?file=${encodeURIComponent(rel)}`;
}

export type ImageSource =
  | { kind: 'local'; src: string }
  | { kind: 'data'; src: string }
  | { kind: 'remote'; url: string }
  | { kind: 'drop' };

/** Where an image (or audio/video) `src` from the markdown may be loaded from. */
export function rewriteImageSrc(src: string, ctx: RenderContext): ImageSource {
  const url = src.trim();
  if (!url) return { kind: 'drop' };
  const scheme = schemeOf(url);
  if (url.startsWith('//') || scheme === 'http' || scheme === 'https') {
    return { kind: 'remote', url: url.startsWith('//') ? `https:${url}` : url };
  }
  if (scheme === 'data') return /^data:image\/(png|jpeg|gif|webp|bmp|avif);/i.test(url) ? { kind: 'data', src: url } : { kind: 'drop' };
  if (scheme !== null) return { kind: 'drop' };
  const resolved = resolveRelative(url, ctx.mdPath);
  if (!resolved || !resolved.path) return { kind: 'drop' };
  return { kind: 'local', src: rawUrl(ctx.sessionId, resolved.path) };
}

export type LinkTarget =
  | { kind: 'anchor'; id: string }
  | { kind: 'markdown'; path: string; hash: string }
  | { kind: 'file'; href: string }
  | { kind: 'external'; href: string }
  | { kind: 'drop' };

/** What a link in the markdown does when followed. */
export function classifyLink(href: string, ctx: RenderContext): LinkTarget {
  const url = href.trim();
  if (!url) return { kind: 'drop' };
  if (url.startsWith('#')) return { kind: 'anchor', id: safeDecode(url.slice(1)) };
  const scheme = schemeOf(url);
  if (url.startsWith('//')) return { kind: 'external', href: `https:${url}` };
  if (scheme === 'http' || scheme === 'https' || scheme === 'mailto' || scheme === 'tel') {
    return { kind: 'external', href: url };
  }
  if (scheme !== null) return { kind: 'drop' };
  const resolved = resolveRelative(url, ctx.mdPath);
  if (!resolved) return { kind: 'drop' };
  if (!resolved.path) return resolved.hash ? { kind: 'anchor', id: resolved.hash } : { kind: 'drop' };
  if (/\.(md|markdown)$/i.test(resolved.path)) return { kind: 'markdown', ...resolved };
  return { kind: 'file', href: rawUrl(ctx.sessionId, resolved.path) };
}

const TAG = /<[a-z][^>]*>/gi;
const HANDLER = /([\s"'/])(on[a-z]+\s*=)/gi;

/**
 * Rename inline event-handler attributes in rendered HTML before it is parsed. DOMPurify
 * removes them anyway (and the CSP would block them), but Chromium reports every handler it
 * merely parses under our CSP as a console error. Only text inside tags is touched; marked
 * escapes "<" in ordinary text and code, so document text is left alone.
 */
export function defuseHandlers(html: string): string {
  return html.replace(TAG, (tag) => tag.replace(HANDLER, '$1data-defused-$2'));
}

/** GitHub-style heading slug: lower case, punctuation dropped, spaces to dashes. */
export function slugify(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Heading ids are prefixed so a document cannot clobber ids the app itself uses. */
export const HEADING_ID_PREFIX = 'md-';

/** What the policy needs of an element (a DOM Element satisfies it). */
export interface PolicyElement {
  tagName: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
  removeAttribute(name: string): void;
}

/** Attributes carrying the viewer's own link data (set after sanitising, read on click). */
export const MD_PATH_ATTR = 'data-md-path';
export const MD_HASH_ATTR = 'data-md-hash';
export const MD_ANCHOR_ATTR = 'data-md-anchor';
export const REMOTE_SRC_ATTR = 'data-remote-src';

function applyLink(el: PolicyElement, ctx: RenderContext): void {
  const href = el.getAttribute('href');
  el.removeAttribute('target');
  if (href === null) return;
  const target = classifyLink(href, ctx);
  switch (target.kind) {
    case 'anchor':
      el.setAttribute(MD_ANCHOR_ATTR, target.id);
      break;
    case 'markdown':
      el.setAttribute('href', rawUrl(ctx.sessionId, target.path));
      el.setAttribute(MD_PATH_ATTR, target.path);
      if (target.hash) el.setAttribute(MD_HASH_ATTR, target.hash);
      break;
    case 'file':
    case 'external':
      el.setAttribute('href', target.href);
      el.setAttribute('target', '_blank');
      el.setAttribute('rel', EXTERNAL_REL);
      break;
    case 'drop':
      el.removeAttribute('href');
      break;
  }
}

function applyMediaSrc(el: PolicyElement, attr: 'src' | 'poster', ctx: RenderContext): void {
  const src = el.getAttribute(attr);
  if (src === null) return;
  const source = rewriteImageSrc(src, ctx);
  if (source.kind === 'local' || source.kind === 'data') {
    el.setAttribute(attr, source.src);
    return;
  }
  el.removeAttribute(attr);
  if (source.kind === 'remote' && el.tagName.toUpperCase() === 'IMG') el.setAttribute(REMOTE_SRC_ATTR, source.url);
}

/**
 * Apply the link/media policy to one already-sanitised element. Returns false when the
 * element must be removed (an input that is not a task-list checkbox).
 */
export function applyPolicy(el: PolicyElement, ctx: RenderContext): boolean {
  const tag = el.tagName.toUpperCase();
  if (tag === 'A' || tag === 'AREA') applyLink(el, ctx);
  else if (tag === 'IMG' || tag === 'SOURCE' || tag === 'TRACK') applyMediaSrc(el, 'src', ctx);
  else if (tag === 'VIDEO' || tag === 'AUDIO') {
    applyMediaSrc(el, 'src', ctx);
    applyMediaSrc(el, 'poster', ctx);
  } else if (tag === 'INPUT') {
    if ((el.getAttribute('type') ?? '').toLowerCase() !== 'checkbox') return false;
    el.setAttribute('disabled', '');
    el.removeAttribute('name');
  }
  return true;
}
