/** Autocomplete for a typed folder: the server's folders matching it, asked for after a pause. */
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { api } from '../api';

export function useFolderSuggestions() {
  const suggestions = useSignal<string[]>([]);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  const suggest = (value: string) => {
    if (timer.current) clearTimeout(timer.current);
    if (!value.startsWith('/') && !/^[A-Za-z]:\\/.test(value)) {
      suggestions.value = [];
      return;
    }
    timer.current = setTimeout(() => {
      api
        .dirs(value)
        .then((r) => (suggestions.value = r.dirs.slice(0, 50)))
        .catch(() => (suggestions.value = []));
    }, 150);
  };
  return { suggestions, suggest };
}
