/** Lazily loaded pieces of the workspace: the tools panels and the new-session sheet. */
import { useEffect } from 'preact/hooks';
import type { ComponentType } from 'preact';
import type { PanelProps } from '../ui/panels';
import { useLazy } from '../ui/useLazy';
import type { PanelName } from './commands';

type PanelModule = { default: ComponentType<PanelProps> };
const PANELS: Record<PanelName, { title: string; load: () => Promise<PanelModule> }> = {
  files: { title: 'Files', load: () => import('../files/FilesPanel') },
  upload: { title: 'Upload', load: () => import('../files/UploadPanel') },
  markdown: { title: 'Markdown', load: () => import('../files/MarkdownPanel') },
  code: { title: 'Code', load: () => import('../code/CodeViewer') },
  settings: { title: 'Settings', load: () => import('../settings/SettingsPanel') },
  about: { title: 'About', load: () => import('../settings/AboutPanel') },
  share: { title: 'Share', load: () => import('../settings/SharePanel') },
  agents: { title: 'Agents', load: () => import('../agents/AgentsPanel') },
  resume: { title: 'Resume agent session', load: () => import('../agents/ResumePanel') },
  recordings: { title: 'Recordings', load: () => import('../recordings/RecordingsPanel') },
};

export function LazyPanel({ name, props }: { name: PanelName; props: PanelProps }) {
  const panel = useLazy(() => PANELS[name].load().then((m) => m.default), { now: true, key: name });
  if (panel.failed.value) {
    return (
      <p class="toast" role="alert">
        Could not load {PANELS[name].title}. Reload the page.
      </p>
    );
  }
  const C = panel.value.value;
  return C ? <C {...props} /> : null;
}

export type NewSheetProps = { onClose(): void; onCreated(id: string): void; cols?: number; rows?: number };

export function LazyNewSession(props: NewSheetProps) {
  const sheet = useLazy(() => import('../hub/NewSessionSheet').then((m): ComponentType<NewSheetProps> => m.default));
  useEffect(() => {
    sheet.load().catch(() => props.onClose());
  }, []);
  const C = sheet.value.value;
  return C ? <C {...props} /> : null;
}
