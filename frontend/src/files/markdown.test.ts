import { describe, expect, it } from 'vitest';
import {
  EXTERNAL_REL,
  MD_ANCHOR_ATTR,
  MD_PATH_ATTR,
  REMOTE_SRC_ATTR,
  SANITIZE_CONFIG,
  applyPolicy,
  classifyLink,
  defuseHandlers,
  resolveRelative,
  rewriteImageSrc,
  slugify,
  type PolicyElement,
} from './markdown';

const ctx = { sessionId: 's 1', mdPath: 'docs/guide/README.md' };
const raw = (p: string) => `/api/sessions/s%201/file-raw?file=${encodeURIComponent(p)}`;

/** A stand-in for a DOM element: just a tag and an attribute map. */
function fakeElement(tagName: string, attrs: Record<string, string>): PolicyElement & { attrs: Map<string, string> } {
  const map = new Map(Object.entries(attrs));
  return {
    tagName,
    attrs: map,
    getAttribute: (n) => map.get(n) ?? null,
    setAttribute: (n, v) => void map.set(n, v),
    removeAttribute: (n) => void map.delete(n),
  };
}

describe('relative URLs', () => {
  it('resolve against the markdown file folder, "/" meaning the session root', () => {
    expect(resolveRelative('img/a.png', ctx.mdPath)).toEqual({ path: 'docs/guide/img/a.png', hash: '' });
    expect(resolveRelative('../x.md#part-2', ctx.mdPath)).toEqual({ path: 'docs/x.md', hash: 'part-2' });
    expect(resolveRelative('/top.png?v=3', ctx.mdPath)).toEqual({ path: 'top.png', hash: '' });
    expect(resolveRelative('my%20pic.png', ctx.mdPath)).toEqual({ path: 'docs/guide/my pic.png', hash: '' });
    expect(resolveRelative('../../../etc/passwd', ctx.mdPath)).toBeNull();
  });
});

describe('image sources', () => {
  it('serve relative images through file-raw, URL-encoded', () => {
    expect(rewriteImageSrc('./shots/a b.png', ctx)).toEqual({ kind: 'local', src: raw('docs/guide/shots/a b.png') });
    expect(rewriteImageSrc('../logo.png', ctx)).toEqual({ kind: 'local', src: raw('docs/logo.png') });
  });

  it('do not load remote images, keep data: images, drop other schemes', () => {
    expect(rewriteImageSrc('https://img.shields.io/x.svg', ctx)).toEqual({ kind: 'remote', url: 'https://img.shields.io/x.svg' });
    expect(rewriteImageSrc('//cdn.example/x.png', ctx)).toEqual({ kind: 'remote', url: 'https://cdn.example/x.png' });
    expect(rewriteImageSrc('data:image/png;base64,AAAA', ctx).kind).toBe('data');
    expect(rewriteImageSrc('data:image/svg+xml;base64,AAAA', ctx).kind).toBe('drop');
    expect(rewriteImageSrc('data:text/html,<script>', ctx).kind).toBe('drop');
    expect(rewriteImageSrc('javascript:alert(1)', ctx).kind).toBe('drop');
    expect(rewriteImageSrc(' JaVaScRiPt:alert(1)', ctx).kind).toBe('drop');
    expect(rewriteImageSrc('../../../outside.png', ctx).kind).toBe('drop');
    expect(rewriteImageSrc('', ctx).kind).toBe('drop');
  });
});

describe('links', () => {
  it('classify by where they lead', () => {
    expect(classifyLink('#usage', ctx)).toEqual({ kind: 'anchor', id: 'usage' });
    expect(classifyLink('../api.md#auth', ctx)).toEqual({ kind: 'markdown', path: 'docs/api.md', hash: 'auth' });
    expect(classifyLink('CHANGELOG.markdown', ctx)).toEqual({ kind: 'markdown', path: 'docs/guide/CHANGELOG.markdown', hash: '' });
    expect(classifyLink('run.sh', ctx)).toEqual({ kind: 'file', href: raw('docs/guide/run.sh') });
    expect(classifyLink('https://example.com', ctx)).toEqual({ kind: 'external', href: 'https://example.com' });
    expect(classifyLink('mailto:a@b.c', ctx).kind).toBe('external');
    expect(classifyLink('javascript:alert(1)', ctx).kind).toBe('drop');
    expect(classifyLink('vbscript:x', ctx).kind).toBe('drop');
    expect(classifyLink('data:text/html,x', ctx).kind).toBe('drop');
    expect(classifyLink('../../../../x.md', ctx).kind).toBe('drop');
  });

  it('slug headings like GitHub', () => {
    expect(slugify('Getting Started!')).toBe('getting-started');
    expect(slugify(' API: v2 / auth ')).toBe('api-v2--auth');
    expect(slugify('Überblick')).toBe('überblick');
  });
});

describe('element policy', () => {
  it('opens external links in a new tab without opener or referrer', () => {
    const a = fakeElement('A', { href: 'https://example.com', target: '_self' });
    expect(applyPolicy(a, ctx)).toBe(true);
    expect(a.attrs.get('target')).toBe('_blank');
    expect(a.attrs.get('rel')).toBe(EXTERNAL_REL);
  });

  it('keeps markdown links in the viewer and anchors in the document', () => {
    const md = fakeElement('a', { href: 'other.md' });
    applyPolicy(md, ctx);
    expect(md.attrs.get(MD_PATH_ATTR)).toBe('docs/guide/other.md');
    expect(md.attrs.has('target')).toBe(false);
    const anchor = fakeElement('a', { href: '#x' });
    applyPolicy(anchor, ctx);
    expect(anchor.attrs.get(MD_ANCHOR_ATTR)).toBe('x');
  });

  it('strips dangerous hrefs and rewrites image sources', () => {
    const bad = fakeElement('A', { href: 'javascript:alert(1)' });
    applyPolicy(bad, ctx);
    expect(bad.attrs.has('href')).toBe(false);
    const img = fakeElement('IMG', { src: 'pic.png', alt: 'x' });
    applyPolicy(img, ctx);
    expect(img.attrs.get('src')).toBe(raw('docs/guide/pic.png'));
    const remote = fakeElement('IMG', { src: 'https://t.example/p.gif' });
    applyPolicy(remote, ctx);
    expect(remote.attrs.has('src')).toBe(false);
    expect(remote.attrs.get(REMOTE_SRC_ATTR)).toBe('https://t.example/p.gif');
  });

  it('keeps only disabled task-list checkboxes', () => {
    const box = fakeElement('INPUT', { type: 'checkbox', checked: '' });
    expect(applyPolicy(box, ctx)).toBe(true);
    expect(box.attrs.has('disabled')).toBe(true);
    expect(applyPolicy(fakeElement('INPUT', { type: 'text' }), ctx)).toBe(false);
    expect(applyPolicy(fakeElement('INPUT', {}), ctx)).toBe(false);
  });
});

describe('sanitiser configuration', () => {
  it('forbids active content and inline styles', () => {
    for (const tag of ['script', 'style', 'iframe', 'object', 'embed', 'form', 'svg', 'math', 'textarea', 'button', 'link', 'meta', 'base']) {
      expect(SANITIZE_CONFIG.FORBID_TAGS).toContain(tag);
    }
    for (const attr of ['style', 'srcset', 'action', 'formaction']) expect(SANITIZE_CONFIG.FORBID_ATTR).toContain(attr);
    expect(SANITIZE_CONFIG.ALLOW_DATA_ATTR).toBe(false);
    expect(SANITIZE_CONFIG.ALLOW_UNKNOWN_PROTOCOLS).toBe(false);
    expect(SANITIZE_CONFIG.USE_PROFILES).toEqual({ html: true });
  });
});

describe('defuseHandlers', () => {
  it('renames handler attributes inside tags only', () => {
    expect(defuseHandlers('<img src="x" onerror="alert(1)">')).toBe('<img src="x" data-defused-onerror="alert(1)">');
    expect(defuseHandlers('<svg/onload=alert(1)>')).toBe('<svg/data-defused-onload=alert(1)>');
    expect(defuseHandlers('<a href="#"\nONCLICK = "x">t</a>')).toBe('<a href="#"\ndata-defused-ONCLICK = "x">t</a>');
    expect(defuseHandlers('<p>say onerror=1 &lt;b onload=2&gt;</p>')).toBe('<p>say onerror=1 &lt;b onload=2&gt;</p>');
    expect(defuseHandlers('<p data-x="1">one</p>')).toBe('<p data-x="1">one</p>');
  });
});
