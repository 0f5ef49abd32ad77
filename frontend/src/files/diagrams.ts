/**
 * Mermaid diagrams in the markdown viewer: the pure parts (which code blocks are diagrams,
 * how mermaid is configured, how its SVG is sanitised, what a failure says). The DOM and
 * the dynamic import of mermaid itself live in diagramRender.ts.
 */
import type { Config } from 'dompurify';
import type { MermaidConfig } from 'mermaid';

/** Class of a diagram's figure; while it is aria-busy its hidden <pre> holds the source. */
export const DIAGRAM_CLASS = 'md-diagram';

/** marked renders ```mermaid fences as <pre><code class="language-mermaid">. */
export function isMermaidClass(className: string | null | undefined): boolean {
  return /(?:^|\s)language-mermaid(?:\s|$)/i.test(className ?? '');
}

/**
 * Mermaid's settings. `strict` keeps diagram text from running script or carrying HTML;
 * labels are SVG text rather than HTML in <foreignObject>, so the sanitised SVG needs no
 * HTML; mermaid must not draw its own "syntax error" diagram into the page.
 */
export function mermaidConfig(dark: boolean): MermaidConfig {
  return {
    startOnLoad: false,
    securityLevel: 'strict',
    theme: dark ? 'dark' : 'default',
    htmlLabels: false,
    suppressErrorRendering: true,
    // Scale down to the column width instead of overflowing it (wider ones then scroll).
    flowchart: { useMaxWidth: true },
  };
}

/**
 * DOMPurify settings for mermaid's SVG. <style> stays (mermaid scopes its CSS to the
 * diagram's id); anything active goes. A few diagram types still put HTML labels in
 * <foreignObject>, so plain HTML is allowed there, scripts and handlers never.
 */
export const DIAGRAM_SANITIZE_CONFIG: Config = {
  USE_PROFILES: { svg: true, svgFilters: true, html: true },
  ADD_TAGS: ['style', 'foreignObject'],
  FORBID_TAGS: [
    'script', 'iframe', 'frame', 'object', 'embed', 'form', 'input', 'button', 'textarea', 'select',
    'link', 'meta', 'base', 'animate', 'set', 'animateMotion', 'animateTransform', 'image', 'use',
  ],
  FORBID_ATTR: ['href', 'xlink:href', 'src', 'action', 'formaction'],
  ALLOW_DATA_ATTR: false,
  ALLOW_UNKNOWN_PROTOCOLS: false,
};

const MAX_ERROR_CHARS = 160;

/** A short, one-line reason a diagram failed, for the note under its source. */
export function diagramError(err: unknown): string {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  const lines = raw.split('\n').map((l) => l.trim()).filter((l) => l && !/^-*\^$/.test(l));
  // Mermaid's parse errors start "Parse error on line N:", then the line and a caret, then
  // "Expecting …": the first and the last say it best.
  const text = lines.length > 2 ? `${lines[0]} ${lines[lines.length - 1]}` : lines.join(' ');
  const short = text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
  return short || 'unknown error';
}
