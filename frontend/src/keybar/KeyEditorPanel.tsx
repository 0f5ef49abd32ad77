/**
 * The key editor (a panel: opened from the key bar's gear or a long-press, and from
 * settings). Add, remove, edit and move keys (drag and drop, or the move buttons); at most
 * three rows of eight columns; Save
 * stores the layout in prefs.touchBarKeys (null when it is the default layout).
 */
import { useSignal } from '@preact/signals';
import { prefs, updatePrefs, type KeyAction, type KeyModifier, type KeyStyle, type TouchKey } from '../state/prefs';
import type { PanelProps } from '../ui/panels';
import { Sheet } from '../ui/Sheet';
import { ESC } from './encode';
import { addKey, find, fromRows, moveInRow, moveTo, moveToRow, removeKey, toRows, updateKey, type Rows } from './editmodel';
import { useKeyDrag } from './useKeyDrag';
import {
  ACTIONS, COLS, DEFAULT_KEYS, effectiveKeys, escapePayload, keyLabel, keyName, keySpan, keyStyle,
  MAX_LABEL, MAX_ROWS, MODIFIERS, SEQUENCES, STYLES, unescapePayload, validateKeys,
} from './keys';
import './keybar.css';
import './editor.css';

type Kind = 'send' | 'modifier' | 'action';
const kindOf = (k: TouchKey): Kind => (k.modifier ? 'modifier' : k.action ? 'action' : 'send');
const GROUPS = [...new Set(SEQUENCES.map((s) => s.group))];
const HEX6 = /^#[0-9a-fA-F]{6}$/;

/** A theme colour as #rrggbb for a colour input's starting value. */
function themeHex(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return HEX6.test(v) ? v : fallback;
}

function KeyFields({ k, set }: { k: TouchKey; set: (patch: Partial<TouchKey>) => void }) {
  const kind = kindOf(k);
  const style = keyStyle(k);
  const alt = useSignal('');
  const insert = (seq: string, label: string) => set({ send: (k.send ?? '') + seq, ...(k.label ? {} : { label }) });
  const changeKind = (next: Kind) =>
    set({
      modifier: next === 'modifier' ? 'ctrl' : undefined,
      action: next === 'action' ? 'paste' : undefined,
      send: next === 'send' ? k.send : undefined,
    });
  return (
    <fieldset class="ke-fields">
      <legend>Key “{keyLabel(k)}”</legend>
      <label>
        Label
        <input value={k.label ?? ''} maxLength={MAX_LABEL} onInput={(e) => set({ label: (e.target as HTMLInputElement).value })} />
      </label>
      <label>
        Type
        <select value={kind} onChange={(e) => changeKind((e.target as HTMLSelectElement).value as Kind)}>
          <option value="send">Keys or text</option>
          <option value="modifier">Sticky modifier</option>
          <option value="action">Action</option>
        </select>
      </label>
      {kind === 'send' && (
        <>
          <label>
            Sends
            <input
              class="ke-mono"
              value={escapePayload(k.send ?? '')}
              spellcheck={false}
              autocapitalize="off"
              aria-describedby="ke-send-help"
              onInput={(e) => set({ send: unescapePayload((e.target as HTMLInputElement).value) })}
            />
          </label>
          <p id="ke-send-help" class="ke-help">
            Text is typed as is. \e = Esc, \r = Enter, \n = newline, \t = Tab, \xNN = any byte.
          </p>
          <div class="ke-row">
            <select
              aria-label="Insert a key sequence"
              value=""
              onChange={(e) => {
                const el = e.target as HTMLSelectElement;
                const seq = SEQUENCES[Number(el.value)];
                if (seq) insert(seq.send, seq.label);
                el.value = '';
              }}
            >
              <option value="">Insert a key…</option>
              {GROUPS.map((g) => (
                <optgroup key={g} label={g}>
                  {SEQUENCES.map((s, i) => (s.group === g ? <option key={i} value={i}>{s.name}</option> : null))}
                </optgroup>
              ))}
            </select>
            <input
              class="ke-alt"
              aria-label="Alt plus key"
              placeholder="Alt+"
              maxLength={1}
              value={alt.value}
              onInput={(e) => (alt.value = (e.target as HTMLInputElement).value)}
            />
            <button type="button" class="btn" disabled={!alt.value} onClick={() => (insert(ESC + alt.value, `M-${alt.value}`), (alt.value = ''))}>
              Insert Alt
            </button>
            <button type="button" class="btn" disabled={!k.send} onClick={() => set({ send: undefined })}>
              Clear
            </button>
          </div>
        </>
      )}
      {kind === 'modifier' && (
        <label>
          Modifier
          <select value={k.modifier} onChange={(e) => set({ modifier: (e.target as HTMLSelectElement).value as KeyModifier })}>
            {MODIFIERS.map((m) => (
              <option key={m} value={m}>{m}</option>
            ))}
          </select>
        </label>
      )}
      {kind === 'action' && (
        <label>
          Action
          <select value={k.action} onChange={(e) => set({ action: (e.target as HTMLSelectElement).value as KeyAction })}>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>{a}</option>
            ))}
          </select>
        </label>
      )}
      <div class="ke-row">
        <label>
          Width
          <select value={String(keySpan(k))} onChange={(e) => set({ size: Number((e.target as HTMLSelectElement).value) })}>
            {Array.from({ length: COLS }, (_, i) => (
              <option key={i} value={i + 1}>{i + 1}</option>
            ))}
          </select>
        </label>
        <label>
          Look
          <select
            value={style}
            onChange={(e) => {
              const s = (e.target as HTMLSelectElement).value as KeyStyle;
              set(s === 'custom'
                ? { style: s, bg: k.bg ?? themeHex('--panel-2', '#444444'), color: k.color ?? themeHex('--fg', '#ffffff') }
                : { style: s, bg: undefined, color: undefined });
            }}
          >
            {STYLES.map((s) => (
              <option key={s} value={s}>{s}</option>
            ))}
          </select>
        </label>
        {style === 'custom' && (
          <>
            <label>
              Background
              <input type="color" value={k.bg} onInput={(e) => set({ bg: (e.target as HTMLInputElement).value })} />
            </label>
            <label>
              Text
              <input type="color" value={k.color} onInput={(e) => set({ color: (e.target as HTMLInputElement).value })} />
            </label>
          </>
        )}
      </div>
    </fieldset>
  );
}

export default function KeyEditorPanel({ onClose }: PanelProps) {
  const rows = useSignal<Rows>(toRows(effectiveKeys(prefs.value.touchBarKeys)));
  const selected = useSignal<string | null>(rows.value[0]?.[0]?.id ?? null);
  const note = useSignal<string | null>(null);

  const keys = fromRows(rows.value);
  const errors = validateKeys(keys);
  const at = selected.value ? find(rows.value, selected.value) : null;
  const current = at ? rows.value[at.r][at.i] : null;
  const change = (next: Rows) => {
    rows.value = next;
    note.value = null;
  };

  const drag = useKeyDrag((id, to) => {
    const next = moveTo(rows.value, id, to.r, to.i);
    if (next === rows.value) note.value = 'No room in that row: make a key narrower or drop it on another row.';
    else change(next);
    selected.value = id;
  }, () => rows.value.length);

  const add = () => {
    const res = addKey(rows.value, { label: 'New', send: '' });
    if (!res) {
      note.value = `The bar is full (${MAX_ROWS} rows): remove a key or make one narrower.`;
      return;
    }
    change(res.rows);
    selected.value = res.id;
  };
  const remove = () => {
    if (!current || !at) return;
    const next = removeKey(rows.value, current.id);
    change(next);
    const row = next[Math.min(at.r, next.length - 1)] ?? [];
    selected.value = row[Math.min(at.i, row.length - 1)]?.id ?? null;
  };
  const save = () => {
    if (errors.length > 0) return;
    const isDefault = JSON.stringify(keys) === JSON.stringify(DEFAULT_KEYS);
    updatePrefs({ touchBarKeys: isDefault ? null : keys });
    onClose();
  };
  const move = (label: string, fn: () => Rows, disabled: boolean) => (
    <button type="button" class="btn icon" aria-label={label} title={label} disabled={!current || disabled} onClick={() => change(fn())}>
      {{ 'Move left': '←', 'Move right': '→', 'Move up a row': '↑', 'Move down a row': '↓' }[label]}
    </button>
  );

  return (
    <Sheet title="Customize keys" onClose={onClose} class="ke-sheet">
      <div class="ke">
        <div class="ke-preview keybar-grid" role="group" aria-label="Key layout: pick a key to edit">
          {rows.value.map((row, r) => {
            let col = 1;
            return row.map((k, i) => {
              const span = keySpan(k);
              const c = col;
              col += span;
              const style = keyStyle(k);
              return (
                <button
                  key={k.id}
                  type="button"
                  class={`kb-key kb-${style}${k.id === selected.value ? ' ke-selected' : ''}`}
                  style={{
                    gridRow: r + 1,
                    gridColumn: `${Math.min(c, COLS)} / span ${Math.max(1, Math.min(span, COLS + 1 - Math.min(c, COLS)))}`,
                    ...(style === 'custom' ? { background: k.bg, color: k.color } : {}),
                    // Dragged with a finger: the browser must not take the move as a pan.
                    touchAction: 'none',
                  }}
                  aria-label={`Edit ${keyName(k)}`}
                  aria-pressed={k.id === selected.value}
                  data-key-id={k.id}
                  data-row={r}
                  data-index={i}
                  onPointerDown={(e) => drag.onPointerDown(e, k.id)}
                  onPointerMove={drag.onPointerMove}
                  onPointerUp={drag.onPointerUp}
                  onPointerCancel={drag.onPointerCancel}
                  onClick={() => {
                    if (!drag.takeClick()) selected.value = k.id;
                  }}
                >
                  {keyLabel(k)}
                </button>
              );
            });
          })}
        </div>
        <div class="ke-row ke-tools">
          {move('Move left', () => moveInRow(rows.value, current!.id, -1), !at || at.i === 0)}
          {move('Move right', () => moveInRow(rows.value, current!.id, 1), !at || at.i === rows.value[at.r].length - 1)}
          {move('Move up a row', () => moveToRow(rows.value, current!.id, -1), !at || at.r === 0)}
          {move('Move down a row', () => moveToRow(rows.value, current!.id, 1), !at || at.r === MAX_ROWS - 1)}
          <button type="button" class="btn" onClick={add}>
            Add key
          </button>
          <button type="button" class="btn danger" disabled={!current} onClick={remove}>
            Remove
          </button>
        </div>
        {current && <KeyFields key={current.id} k={current} set={(patch) => change(updateKey(rows.value, current.id, patch))} />}
        {(note.value || errors.length > 0) && (
          <ul class="ke-errors" role="alert">
            {note.value && <li>{note.value}</li>}
            {errors.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        )}
        <div class="ke-row ke-footer">
          <button type="button" class="btn" onClick={() => {
              change(toRows(DEFAULT_KEYS));
              selected.value = DEFAULT_KEYS[0].id;
            }}
          >
            Reset to defaults
          </button>
          <span class="ke-spacer" />
          <button type="button" class="btn" onClick={onClose}>
            Cancel
          </button>
          <button type="button" class="btn primary" disabled={errors.length > 0} onClick={save}>
            Save
          </button>
        </div>
      </div>
    </Sheet>
  );
}
