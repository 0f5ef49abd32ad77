/** The settings sheet opened from the hub, loaded only when asked for. */
import { useLazy } from '../ui/useLazy';

export function LazySettings({ onClose }: { onClose: () => void }) {
  const settings = useLazy(() => import('../settings/SettingsPanel').then((m) => m.default), { now: true });
  if (settings.failed.value) {
    return (
      <p class="error banner" role="alert">
        Could not load the settings. Reload the page.
      </p>
    );
  }
  const C = settings.value.value;
  return C ? <C sessionId="" onClose={onClose} send={() => {}} /> : null;
}
