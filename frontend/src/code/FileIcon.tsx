/**
 * The code viewer's file-type icons: small inline SVGs drawn with currentColor, so they need
 * no icon font (the terminal's Nerd Font is not the UI's) and take the theme's colours from
 * code.css. Decorative: the row's text names the file.
 */
import type { FileKind, FileLook } from './fileKind';

/** A page with a folded corner, the outline most file icons share. */
const PAGE = 'M6 3h8l4 4v14H6zM14 3v4h4';

const DRAWINGS: Record<FileKind, string> = {
  folder: 'M3 6.5A1.5 1.5 0 0 1 4.5 5H9l2 2h8.5A1.5 1.5 0 0 1 21 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-15A1.5 1.5 0 0 1 3 17.5z',
  'folder-open': 'M3 17.5v-11A1.5 1.5 0 0 1 4.5 5H9l2 2h7.5A1.5 1.5 0 0 1 20 8.5V10M3 17.5 5.5 11h16l-2.5 8h-15A1.5 1.5 0 0 1 3 17.5z',
  code: `${PAGE}M10 12l-2 2.5 2 2.5M14 12l2 2.5-2 2.5`,
  script: 'M3 5h18v14H3zM7 10l3 2.5L7 15M12 15h5',
  markdown: `${PAGE}M8.5 18v-5.5l2 2.5 2-2.5V18M15.5 12.5V18M14 16.5l1.5 1.5 1.5-1.5`,
  image: 'M4 5h16v14H4zM4 16l5-5 4 4 2.5-2.5L20 17M15.5 9.5h.01',
  config: `${PAGE}M10.5 11c-1.5 0-1.5 1-1.5 2s0 1.5-1 1.5c1 0 1 .5 1 1.5s0 2 1.5 2M13.5 11c1.5 0 1.5 1 1.5 2s0 1.5 1 1.5c-1 0-1 .5-1 1.5s0 2-1.5 2`,
  lock: 'M6 11h12v10H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3M12 15v2',
  git: 'M7 4v11M7 15a2 2 0 1 0 0 4 2 2 0 1 0 0-4zM17 5a2 2 0 1 0 0 4 2 2 0 1 0 0-4zM17 9c0 4-5 3-9.5 6.5',
  docker: 'M3 12h18c-.5 4.5-4 7-9 7s-8-2.5-9-7zM6 9h3v3H6zM9 9h3v3H9zM12 9h3v3h-3zM9 6h3v3H9z',
  license: `${PAGE}M12 10.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 1 0 0-5zM10.5 15l-.5 4 2-1 2 1-.5-4`,
  archive: `${PAGE}M11 3v2h2v2h-2v2h2v2h-2M10.5 14h3v4h-3z`,
  text: `${PAGE}M9 11h6M9 14h6M9 17h4`,
  file: PAGE,
};

export function FileIcon({ look }: { look: FileLook }) {
  return (
    <svg class="cv-file-icon" data-kind={look.kind} data-lang={look.lang ?? undefined} width={16} height={16}
      viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width={1.8} stroke-linecap="round"
      stroke-linejoin="round" aria-hidden="true" focusable="false">
      <path d={DRAWINGS[look.kind]} />
    </svg>
  );
}
