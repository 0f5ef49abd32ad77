/**
 * The recordings' entry points, each loaded on first use so the pages' first load does not
 * grow (#19): the drawer's Record section and the hub's recordings sheet.
 */
import { useLazy } from '../ui/useLazy';
import type { DrawerRecordingProps } from './DrawerRecording';

export function LazyDrawerRecording(props: DrawerRecordingProps) {
  const section = useLazy(() => import('./DrawerRecording').then((m) => m.default), { now: true });
  const C = section.value.value;
  return C ? <C {...props} /> : null;
}

/** The recordings sheet over the hub: every session's recordings. */
export function LazyRecordings({ onClose }: { onClose(): void }) {
  const sheet = useLazy(() => import('./RecordingsPanel').then((m) => m.default), { now: true });
  if (sheet.failed.value) {
    return (
      <p class="error banner" role="alert">
        Could not load the recordings. Reload the page.
      </p>
    );
  }
  const C = sheet.value.value;
  return C ? <C sessionId="" onClose={onClose} send={() => {}} /> : null;
}
