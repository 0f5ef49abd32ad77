/**
 * The workspace's terminal views, one per opened tab: created on first use with the workspace's
 * callbacks, kept on the live theme and font size, disposed when their tab closes or the
 * workspace unmounts.
 */
import { useSignalEffect } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import type { NotificationMsg } from '../protocol';
import { prefs, updatePrefs } from '../state/prefs';
import { activeTheme, minimumContrastFor } from '../themes';
import { TerminalView } from '../terminal/view';
import { clampFont } from './gestures';

export interface ViewCallbacks {
  notification(msg: NotificationMsg): void;
  /** The session's display name (for bell notifications). */
  name(id: string): string;
  /** Whether the tab is on screen now (a new view starts hidden or shown accordingly). */
  visible(id: string): boolean;
}

export function useTerminalViews(cb: ViewCallbacks) {
  const views = useRef(new Map<string, TerminalView>());
  const callbacks = useRef(cb);
  callbacks.current = cb;

  const viewFor = (id: string): TerminalView => {
    let v = views.current.get(id);
    if (!v) {
      v = new TerminalView(
        id,
        {
          fontSize: clampFont(prefs.peek().fontSize),
          theme: activeTheme.peek().term,
          minimumContrastRatio: minimumContrastFor(activeTheme.peek()),
        },
        {
          notification: (msg) => callbacks.current.notification(msg),
          fontSizeChosen: (size) => updatePrefs({ fontSize: size }),
          name: () => callbacks.current.name(id),
        },
      );
      views.current.set(id, v);
      v.setVisible(callbacks.current.visible(id));
    }
    return v;
  };

  // Live theme and font size for every terminal.
  useSignalEffect(() => {
    const theme = activeTheme.value;
    const size = clampFont(prefs.value.fontSize);
    for (const v of views.current.values()) {
      v.setTheme(theme.term, minimumContrastFor(theme));
      v.setFontSize(size);
    }
  });

  useEffect(() => () => {
    for (const v of views.current.values()) v.dispose();
    views.current.clear();
  }, []);

  return {
    /** Every live view by session id. */
    all: views.current,
    get: (id: string) => views.current.get(id),
    viewFor,
    /** Dispose the view of a closed tab. */
    forget: (id: string) => {
      views.current.get(id)?.dispose();
      views.current.delete(id);
    },
  };
}
