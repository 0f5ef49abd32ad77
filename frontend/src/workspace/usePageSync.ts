/**
 * Keeps the page around the workspace in step with it: the address and title follow the
 * selected tab, the screen stays on, the layout follows the visual viewport (on-screen
 * keyboard), and a push for a session not on screen shows as a toast instead.
 */
import { useSignalEffect, type ReadonlySignal, type Signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { SessionInfo } from '../api';
import { onFocusedPush } from '../notify';
import { holdWakeLock } from '../terminal/wakeLock';
import { trackVisualViewport } from '../viewport';
import { pageTitle, terminalPath } from './page';

export interface PageSources {
  active: Signal<string>;
  sessions: Signal<SessionInfo[]>;
  visibleIds: ReadonlySignal<string[]>;
  showToast(text: string): void;
}

export function usePageSync({ active, sessions, visibleIds, showToast }: PageSources): void {
  useSignalEffect(() => {
    const id = active.value;
    const url = terminalPath(id);
    if (location.pathname + location.search !== url) history.replaceState(history.state, '', url);
    document.title = pageTitle(sessions.value.find((x) => x.id === id)?.name);
  });

  useEffect(() => holdWakeLock(), []);
  // One listener for the page: panes refit through their ResizeObservers when --app-height moves.
  useEffect(() => trackVisualViewport(), []);
  useEffect(
    () => onFocusedPush((p) => !visibleIds.peek().includes(p.sessionId ?? '') && p.title && showToast(p.title)),
    [],
  );
}
