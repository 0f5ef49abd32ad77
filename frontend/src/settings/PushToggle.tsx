/**
 * "Notify this device when a command finishes": asks for notification permission (this runs
 * from the click, as browsers require), subscribes to Web Push and tells the server; turning
 * it off unsubscribes. The on/off state is per device (localStorage), mirrored in prefs.
 */
import { useSignal } from '@preact/signals';
import { errorText } from '../errorText';
import { disablePush, enablePush, pushWanted } from '../notify';
import { updatePrefs } from '../state/prefs';

export function PushToggle() {
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
      updatePrefs({ notifications: on.value });
    } catch (err) {
      status.value = errorText(err);
    } finally {
      busy.value = false;
    }
  };

  return (
    <div class="push-toggle">
      <label class="toggle-row">
        <input type="checkbox" role="switch" checked={on.value} disabled={busy.value} onChange={() => void toggle()} />
        <span>Notify this device when a command finishes</span>
      </label>
      {status.value && (
        <p class="muted toggle-status" role="status">
          {status.value}
        </p>
      )}
    </div>
  );
}
