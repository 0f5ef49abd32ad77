/** The new-session sheet's Shell tab: name, shell, folder, initial command and colour. */
import { deriveName } from './format';
import { FolderField, SheetFooter } from './FolderField';
import { defaultShellPath, type NewSessionState } from './useNewSession';

/** Session colours offered as swatches (the server's palette plus two), with spoken names. */
export const SWATCHES: { name: string; hex: string }[] = [
  { name: 'Blue', hex: '#4a9eff' },
  { name: 'Green', hex: '#4ade80' },
  { name: 'Amber', hex: '#fbbf24' },
  { name: 'Purple', hex: '#c084fc' },
  { name: 'Red', hex: '#f87171' },
  { name: 'Cyan', hex: '#22d3ee' },
  { name: 'Orange', hex: '#fb923c' },
  { name: 'Pink', hex: '#f472b6' },
  { name: 'Teal', hex: '#2dd4bf' },
  { name: 'Slate', hex: '#94a3b8' },
];

const bind = (sig: { value: string }) => ({
  value: sig.value,
  onInput: (e: Event) => (sig.value = (e.target as HTMLInputElement).value),
});

function ShellSelect({ s }: { s: NewSessionState }) {
  const { shell, shells } = s;
  const list = shells.value?.shells ?? [];
  return (
    <label>
      Shell
      <select name="shell" value={shell.value} onChange={(e) => (shell.value = (e.target as HTMLSelectElement).value)}>
        {!list.some((x) => x.path === shell.value) && <option value={shell.value}>{shell.value || 'default'}</option>}
        {list.map((x) => (
          <option key={x.path} value={x.path}>
            {x.name}
            {shells.value && x.path === defaultShellPath(shells.value) ? ' (default)' : ''}
          </option>
        ))}
      </select>
    </label>
  );
}

function Colours({ s }: { s: NewSessionState }) {
  const { color } = s;
  return (
    <fieldset class="ns-colors">
      <legend>Colour</legend>
      <label class="swatch auto" title="Automatic">
        <input type="radio" name="color" value="" checked={color.value === ''} aria-label="Automatic colour" onChange={() => (color.value = '')} />
        <span aria-hidden="true">A</span>
      </label>
      {SWATCHES.map((w) => (
        <label key={w.hex} class="swatch" title={w.name} style={{ '--swatch': w.hex }}>
          <input type="radio" name="color" value={w.hex} checked={color.value === w.hex} aria-label={w.name} onChange={() => (color.value = w.hex)} />
          <span aria-hidden="true" />
        </label>
      ))}
    </fieldset>
  );
}

export function ShellForm({ ids, s, onClose }: { ids: string; s: NewSessionState; onClose: () => void }) {
  const touch = typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches;
  return (
    <form class="new-session" onSubmit={s.submit} aria-label="New session">
      <label>
        Name
        <input
          name="name"
          placeholder={deriveName(s.cwd.value) || 'optional'}
          autocomplete="off"
          autoFocus={!touch}
          value={s.name.value}
          onInput={(e) => s.setName((e.target as HTMLInputElement).value)}
        />
      </label>
      <ShellSelect s={s} />
      <FolderField ids={ids} s={s} />
      <label>
        Initial command
        <input name="initialCommand" placeholder="optional, e.g. npm run dev" autocomplete="off" autocapitalize="off" spellcheck={false} {...bind(s.cmd)} />
      </label>
      <Colours s={s} />
      <SheetFooter s={s} kind="shell" label="Create" onClose={onClose} />
    </form>
  );
}
