/**
 * A search field's one clear control, as on the hub and in Find: the field's CSS hides the
 * browser's own × (which only some browsers draw, and too small for a thumb), and this shows
 * while the field holds text. It empties the field and puts the focus back in it.
 */
import type { RefObject } from 'preact';

interface ClearButtonProps {
  label: string;
  field: RefObject<HTMLInputElement | null>;
  onClear: () => void;
}

export function ClearButton({ label, field, onClear }: ClearButtonProps) {
  const clear = () => {
    onClear();
    field.current?.focus();
  };
  return (
    <button type="button" class="btn icon search-clear" aria-label={label} title={label} onClick={clear}>
      ×
    </button>
  );
}
