/**
 * Turns the diagram placeholders mdRender.ts leaves in a rendered document into SVG.
 * This module (and mermaid, through a second dynamic import) is loaded only when a
 * document has a ```mermaid block. Diagrams render one at a time, each with a fresh id,
 * inside a hidden staging box of their own figure so mermaid's temporary elements never
 * land in document.body; mermaid's SVG is sanitised again here before it is shown.
 */
import createDOMPurify from 'dompurify';
import type { Mermaid } from 'mermaid';
import { DIAGRAM_CLASS, DIAGRAM_SANITIZE_CONFIG, diagramError, mermaidConfig } from './diagrams';

const purify = createDOMPurify(window);
let loading: Promise<Mermaid> | null = null;
let lastId = 0;
// mermaid keeps global state while rendering: documents wait for each other's diagrams.
let queue: Promise<void> = Promise.resolve();

function loadMermaid(): Promise<Mermaid> {
  loading ??= import('mermaid').then((m) => m.default);
  loading.catch(() => (loading = null));
  return loading;
}

/** What mermaid may have left in <body> (tooltips, layout scratch space) for a render. */
function removeLeftovers(id: string): void {
  const selectors = [`#d${id}`, `#i${id}`, `#${id}`, '#cy', '.mermaidTooltip'];
  for (const el of Array.from(document.body.children)) {
    if (selectors.some((s) => el.matches(s))) el.remove();
  }
}

function showError(figure: HTMLElement, source: HTMLPreElement, message: string): void {
  const note = document.createElement('p');
  note.className = 'md-diagram-error';
  note.setAttribute('role', 'alert');
  note.textContent = `Diagram not rendered: ${message}`;
  source.hidden = false;
  figure.classList.add('failed');
  figure.removeAttribute('aria-busy');
  figure.replaceChildren(source, note);
}

function showSvg(figure: HTMLElement, svg: string): void {
  const clean = purify.sanitize(svg, { ...DIAGRAM_SANITIZE_CONFIG, RETURN_DOM_FRAGMENT: true });
  if (!clean.querySelector('svg')) throw new Error('the diagram produced no SVG');
  const scroller = document.createElement('div');
  scroller.className = 'md-diagram-svg';
  scroller.tabIndex = 0; // wide diagrams scroll sideways: reachable by keyboard
  scroller.setAttribute('role', 'group');
  scroller.setAttribute('aria-label', 'Diagram');
  scroller.append(document.importNode(clean, true));
  figure.removeAttribute('aria-busy');
  figure.replaceChildren(scroller);
}

async function renderOne(mermaid: Mermaid, figure: HTMLElement): Promise<void> {
  const source = figure.querySelector('pre');
  if (!source) return;
  const id = `md-mermaid-${++lastId}`;
  const stage = document.createElement('div');
  stage.className = 'md-diagram-stage';
  stage.setAttribute('aria-hidden', 'true');
  figure.append(stage);
  try {
    const { svg } = await mermaid.render(id, source.textContent ?? '', stage);
    stage.remove();
    showSvg(figure, svg);
  } catch (err) {
    stage.remove();
    showError(figure, source, diagramError(err));
  } finally {
    removeLeftovers(id);
  }
}

/**
 * Render every diagram placeholder under `root` with mermaid's dark or light theme.
 * `stillWanted` is asked before each diagram, so a document left mid-way stops rendering.
 */
export function renderDiagrams(root: ParentNode, dark: boolean, stillWanted: () => boolean): Promise<void> {
  const run = async () => {
    const figures = Array.from(root.querySelectorAll<HTMLElement>(`figure.${DIAGRAM_CLASS}[aria-busy]`));
    if (!figures.length || !stillWanted()) return;
    let mermaid: Mermaid;
    try {
      mermaid = await loadMermaid();
    } catch {
      for (const figure of figures) {
        const source = figure.querySelector('pre');
        if (source) showError(figure, source, 'the diagram renderer could not be loaded');
      }
      return;
    }
    mermaid.initialize(mermaidConfig(dark));
    for (const figure of figures) {
      if (!stillWanted()) return;
      await renderOne(mermaid, figure);
    }
  };
  const mine = queue.then(run);
  queue = mine.catch(() => undefined);
  return mine;
}
