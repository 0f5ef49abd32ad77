/**
 * Top-bar bell button with a small panel holding the push-notification switch (see PushToggle).
 * The switch (and the settings styles it shares) loads when the panel first opens: the bell
 * is on every first load, the switch rarely used.
 */
import { useSignal } from '@preact/signals';
import { useLazy } from '../ui/useLazy';

export function NotifySettings() {
  const open = useSignal(false);
  const toggle = useLazy(() =>
    Promise.all([import('../settings/PushToggle'), import('../settings/settings.css')]).then(([m]) => m.PushToggle),
  );
  const PushToggle = toggle.value.value;

  return (
    <div class="notify-settings">
      <button
        type="button"
        class="btn icon"
        aria-label="Notification settings"
        title="Notifications"
        aria-expanded={open.value}
        onClick={() => {
          open.value = !open.value;
          if (open.value) toggle.load().catch(() => {}); // shown through `failed`
        }}
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
          {PushToggle ? <PushToggle /> : <p class="muted">{toggle.failed.value ? 'Could not load. Check the connection.' : 'Loading…'}</p>}
        </div>
      )}
    </div>
  );
}
