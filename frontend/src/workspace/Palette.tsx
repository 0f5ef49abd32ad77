/**
 * The tools sheet / command palette (Ctrl/Cmd+K): grouped commands with a filter box and
 * keyboard navigation (↑/↓, Enter). A bottom sheet on phones, a dock on desktops.
 */
import { useSignal } from '@preact/signals';
import { useId, useRef } from 'preact/hooks';
import { Sheet } from '../ui/Sheet';
import { visibleCommands, type Command } from './commands';

export function Palette({ commands, onClose }: { commands: Command[]; onClose(): void }) {
  const query = useSignal('');
  const index = useSignal(0);
  const listId = useId();
  const list = useRef<HTMLUListElement>(null);

  const ordered = visibleCommands(commands, query.value);
  const current = Math.min(index.value, Math.max(0, ordered.length - 1));

  const run = (c: Command | undefined) => {
    if (!c) return;
    if (!c.stay) onClose();
    c.run();
  };

  const move = (delta: number) => {
    if (ordered.length === 0) return;
    index.value = (current + delta + ordered.length) % ordered.length;
    requestAnimationFrame(() => list.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: 'nearest' }));
  };

  const optionId = (c: Command) => `${listId}-${c.id}`;
  return (
    <Sheet title="Tools" onClose={onClose} class="ws-palette">
      <input
        type="text"
        class="ws-palette-filter"
        aria-label="Filter commands"
        placeholder="Type a command…"
        role="combobox"
        aria-expanded="true"
        aria-controls={listId}
        aria-activedescendant={ordered[current] ? optionId(ordered[current]) : undefined}
        autoFocus
        autoComplete="off"
        spellcheck={false}
        value={query.value}
        onInput={(e) => {
          query.value = e.currentTarget.value;
          index.value = 0;
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            move(1);
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            move(-1);
          } else if (e.key === 'Enter') {
            e.preventDefault();
            run(ordered[current]);
          }
        }}
      />
      <ul class="ws-palette-list" role="listbox" id={listId} aria-label="Commands" ref={list}>
        {ordered.length === 0 && <li class="muted ws-palette-empty">No matching command</li>}
        {ordered.flatMap((c, i) => {
          const item = (
            <li
              key={c.id}
              id={optionId(c)}
              role="option"
              aria-selected={i === current}
              class={`ws-palette-item${i === current ? ' current' : ''}`}
              onPointerMove={() => index.value !== i && (index.value = i)}
              onClick={() => run(c)}
            >
              <span>{c.label}</span>
              {c.shortcut && <kbd>{c.shortcut}</kbd>}
            </li>
          );
          if (i > 0 && ordered[i - 1].group === c.group) return [item];
          return [
            <li class="ws-palette-group" role="presentation" key={`g-${c.group}`}>
              {c.group}
            </li>,
            item,
          ];
        })}
      </ul>
    </Sheet>
  );
}
