/**
 * The lazy file tree (FileExplorer): an ARIA tree with one tab stop; arrow keys walk it,
 * Right/Left open and close folders, Enter opens a file.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { FileIcon } from './FileIcon';
import { fileLook } from './fileKind';
import { moveFocus, visibleRows, type TreeState } from './tree';

export interface FileTreeProps {
  tree: TreeState;
  activePath: string | null;
  onToggle: (dir: string) => void;
  onOpen: (path: string) => void;
}

function icon(dir: boolean, open: boolean): string {
  if (!dir) return '';
  return open ? '▾' : '▸';
}

export function FileTree({ tree, activePath, onToggle, onOpen }: FileTreeProps) {
  const rows = visibleRows(tree);
  const [focus, setFocus] = useState(0);
  const list = useRef<HTMLUListElement>(null);
  const wantFocus = useRef(false);
  const index = Math.min(focus, Math.max(rows.length - 1, 0));

  useEffect(() => {
    if (!wantFocus.current) return;
    wantFocus.current = false;
    list.current?.querySelectorAll<HTMLElement>('[role=treeitem]')[index]?.focus();
  });

  const onKey = (e: KeyboardEvent) => {
    const row = rows[index];
    if (!row) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (row.node.type === 'directory') onToggle(row.node.path);
      else onOpen(row.node.path);
      return;
    }
    const move = moveFocus(rows, index, e.key);
    if (move.index === index && !move.toggle && !['ArrowUp', 'ArrowDown', 'Home', 'End'].includes(e.key)) return;
    e.preventDefault();
    if (move.toggle) onToggle(move.toggle);
    wantFocus.current = true;
    setFocus(move.index);
  };

  return (
    <ul class="cv-tree" role="tree" aria-label="Files" ref={list} onKeyDown={onKey}>
      {rows.map((r, i) => {
        const dir = r.node.type === 'directory';
        return (
          <li
            key={r.node.path}
            role="treeitem"
            aria-level={r.depth + 1}
            aria-expanded={dir ? r.expanded : undefined}
            aria-selected={r.node.path === activePath}
            aria-busy={r.loading || undefined}
            tabIndex={i === index ? 0 : -1}
            class={`cv-node${dir ? ' dir' : ''}${r.node.path === activePath ? ' active' : ''}`}
            style={{ '--depth': r.depth } as Record<string, number>}
            title={r.node.path}
            onClick={() => {
              setFocus(i);
              if (dir) onToggle(r.node.path);
              else onOpen(r.node.path);
            }}
          >
            <span class="cv-node-icon" aria-hidden="true">{icon(dir, r.expanded)}</span>
            <FileIcon look={fileLook(r.node.name, dir, r.expanded)} />
            <span class="cv-node-name">{r.node.name}</span>
            {r.loading && <span class="muted cv-node-status"> loading…</span>}
            {r.error && <span class="error cv-node-status" role="alert"> {r.error}</span>}
            {dir && r.expanded && !r.loading && !r.error && tree.children[r.node.path]?.length === 0 && (
              <span class="muted cv-node-status"> (empty)</span>
            )}
          </li>
        );
      })}
    </ul>
  );
}
