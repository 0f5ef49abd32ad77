/** Text search plus chip rows (repo, branch, shell, agent) over the hub's sessions. */
import type { FacetKey, HubFilter } from './filter';
import { FACETS, isActive } from './filter';

export interface FilterBarProps {
  filter: HubFilter;
  facets: Partial<Record<FacetKey, string[]>>;
  shown: number;
  total: number;
  onChange: (f: HubFilter) => void;
}

export function FilterBar({ filter, facets, shown, total, onChange }: FilterBarProps) {
  const set = (patch: Partial<HubFilter>) => onChange({ ...filter, ...patch });
  return (
    <section class="filter-bar" aria-label="Filter sessions">
      <div class="filter-search">
        <input
          type="search"
          aria-label="Search sessions"
          placeholder="Search name, folder, repo, branch…"
          autocomplete="off"
          autocapitalize="off"
          spellcheck={false}
          value={filter.text}
          onInput={(e) => set({ text: (e.target as HTMLInputElement).value })}
          onKeyDown={(e) => e.key === 'Escape' && filter.text && (e.stopPropagation(), set({ text: '' }))}
        />
        {isActive(filter) && (
          <button type="button" class="btn filter-clear" onClick={() => onChange({ text: '', repo: '', branch: '', shell: '', agent: '' })}>
            Clear
          </button>
        )}
      </div>
      {FACETS.filter(({ key }) => facets[key]).map(({ key, label }) => (
        <div key={key} class="chip-row" role="group" aria-label={label}>
          <span class="chip-label" aria-hidden="true">
            {label}
          </span>
          <div class="chip-list">
            {facets[key]!.map((value) => {
              const on = filter[key] === value;
              return (
                <button key={value} type="button" class={`chip${on ? ' on' : ''}`} aria-pressed={on} title={value} onClick={() => set({ [key]: on ? '' : value })}>
                  {value}
                </button>
              );
            })}
          </div>
        </div>
      ))}
      <p class="filter-count muted" aria-live="polite">
        {isActive(filter) ? `${shown} of ${total} sessions` : ''}
      </p>
    </section>
  );
}
