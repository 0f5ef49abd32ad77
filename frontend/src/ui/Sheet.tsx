/**
 * A modal panel: a bottom sheet on phones, a right-hand dock (or centred card with `wide`) on
 * desktops. Labelled for screen readers, closes on Esc and backdrop tap, keeps Tab inside and
 * returns focus to where it was when it closes.
 */
import type { ComponentChildren } from 'preact';
import { useId, useRef } from 'preact/hooks';
import { useModalFocus } from './focusTrap';
import './sheet.css';

export interface SheetProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  /** Large content (code viewer, markdown): near full screen on desktops too. */
  wide?: boolean;
  /** Extra buttons in the header, before the close button. */
  actions?: ComponentChildren;
  class?: string;
}

export function Sheet({ title, onClose, children, wide, actions, class: cls }: SheetProps) {
  const box = useRef<HTMLDivElement>(null);
  const titleId = useId();

  useModalFocus(box, onClose, '[autofocus]');

  return (
    <div class="sheet-backdrop" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={box}
        class={`sheet${wide ? ' wide' : ''}${cls ? ` ${cls}` : ''}`}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
      >
        <header class="sheet-head">
          <h2 id={titleId}>{title}</h2>
          <div class="sheet-actions">
            {actions}
            <button type="button" class="btn icon" aria-label="Close" title="Close (Esc)" onClick={onClose}>
              ×
            </button>
          </div>
        </header>
        <div class="sheet-body">{children}</div>
      </div>
    </div>
  );
}
