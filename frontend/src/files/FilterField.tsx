/** The file lists' name filter: a search field and its own clear control (ClearButton). */
import { useRef } from 'preact/hooks';
import { ClearButton } from '../ui/ClearButton';

export function FilterField({ label, filter }: { label: string; filter: { value: string } }) {
  const field = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={field}
        class="fb-filter"
        type="search"
        placeholder="Filter"
        aria-label={label}
        value={filter.value}
        onInput={(e) => (filter.value = e.currentTarget.value)}
      />
      {filter.value && <ClearButton label="Clear filter" field={field} onClear={() => (filter.value = '')} />}
    </>
  );
}
