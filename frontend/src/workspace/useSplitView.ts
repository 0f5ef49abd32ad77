/**
 * Which tabs the workspace shows: the ordered tab list, split view (off, vertical, horizontal)
 * with its partner pane, and keeping a view opened, and told it is on screen, for each visible
 * tab.
 */
import { useComputed, useSignal, useSignalEffect, type Signal } from '@preact/signals';
import type { SessionInfo } from '../api';
import type { TerminalView } from '../terminal/view';
import { NEXT_SPLIT, type Split } from './commands';
import { tabIdsOf, visibleIdsOf } from './layout';
import { loadOrder, moveTab, saveOrder, splitPartner } from './tabs';

export interface SplitViewSources {
  /** The sessions the server lists. */
  sessions: Signal<SessionInfo[]>;
  /** Tabs with a view (opened once); grows when a hidden tab becomes visible. */
  opened: Signal<string[]>;
  active: Signal<string>;
  /** The pane keyboard input goes to; falls back to `active` when it leaves the screen. */
  focused: Signal<string>;
  views: ReadonlyMap<string, TerminalView>;
}

export function useSplitView({ sessions, opened, active, focused, views }: SplitViewSources) {
  const order = useSignal<string[]>(loadOrder());
  const split = useSignal<Split>('off');
  const tabIds = useComputed(() => tabIdsOf(sessions.value.map((s) => s.id), opened.value, order.value));
  const partner = useComputed(() => (split.value === 'off' ? null : splitPartner(tabIds.value, active.value)));
  const visibleIds = useComputed(() => visibleIdsOf(active.value, partner.value));

  // Open a view for every visible tab; tell views whether they are on screen.
  useSignalEffect(() => {
    const vis = visibleIds.value;
    const missing = vis.filter((id) => !opened.peek().includes(id));
    if (missing.length) opened.value = [...opened.peek(), ...missing];
    for (const [id, v] of views) v.setVisible(vis.includes(id));
    if (!vis.includes(focused.peek())) focused.value = active.value;
  });

  return {
    split,
    tabIds,
    partner,
    visibleIds,
    cycleSplit: () => (split.value = NEXT_SPLIT[split.peek()]),
    /** Drag tab `id` to index `to`; the order is saved. */
    move: (id: string, to: number) => {
      const next = moveTab(tabIds.peek(), id, to);
      order.value = next;
      saveOrder(next);
    },
  };
}
