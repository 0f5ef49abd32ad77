/** Placeholder until the panel lands (issue #8): keeps the workspace's lazy import building. */
import { Sheet } from '../ui/Sheet';
import type { PanelProps } from '../ui/panels';

export default function FilesPanel({ onClose }: PanelProps) {
  return (
    <Sheet title="FilesPanel" onClose={onClose}>
      <p class="muted">Not available yet.</p>
    </Sheet>
  );
}
