/** Top-bar bell button with a small panel: turn push notifications for finished commands on/off. */
import { useSignal } from '@preact/signals';
import { disablePush, enablePush, pushWanted } from '../notify';

export function NotifySettings() {
  const open = useSignal(false);
  const on = useSignal(pushWanted());
  const busy = useSignal(false);
  const status = useSignal<string | null>(null);

  const toggle = async () => {
    busy.value = true;
    status.value = null;
    try {
      if (on.value) {
        await disablePush();
        on.value = false;
        status.value = 'Push notifications are off.';
      } else {
        await enablePush();
        on.value = true;
        status.value = 'Push notifications are on for this device.';
      }
    } catch (err) {
      status.value = err instanceof Error ? err.message : String(err);
    } finally {
      busy.value = false;
    }
  };

  return (
    <div class="notify-settings">
      <button
        type="button"
        class="btn icon"
        aria-label="Notification settings"
        title="Notifications"
        aria-expanded={open.value}
        onClick={() => (open.value = !open.value)}
      >
        {/* An inline icon: emoji fonts are missing on some systems (a box instead of a bell). */}
        <svg width="18" height="18" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
          />
        </svg>
      </button>
      {open.value && (
        <div class="notify-panel" role="group" aria-label="Notifications">
          <label class="notify-row">
            <input
              type="checkbox"
              role="switch"
              checked={on.value}
              disabled={busy.value}
              onChange={() => void toggle()}
            />
            Notify this device when a command finishes
          </label>
          {status.value && (
            <p class="muted notify-status" role="status">
              {status.value}
            </p>
          )}
        </div>
      )}
    </div>
  );
}
