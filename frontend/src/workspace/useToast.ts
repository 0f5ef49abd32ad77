/** The workspace's transient status line: one message at a time, gone after 5 s. */
import { useSignal } from '@preact/signals';

export const TOAST_MS = 5000;

export function useToast() {
  const toast = useSignal<string | null>(null);
  const show = (text: string) => {
    toast.value = text;
    setTimeout(() => toast.value === text && (toast.value = null), TOAST_MS);
  };
  return { toast, show };
}
