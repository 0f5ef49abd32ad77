/** Placeholder until the panel lands (issue #8): keeps the workspace's lazy import building. */
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';

export default function SettingsPanel({ onClose }: PanelProps) {
  return (
    <Sheet title="SettingsPanel" onClose={onClose}>
      <p class="muted">Not available yet.</p>
    </Sheet>
  );
}
