import { describe, expect, it } from 'vitest';
import { affectsTerminal, bareFamily, fontFamilyFor, ICON_FAMILY, isTerminalFont, SYSTEM_STACK, TEXT_FAMILY } from './fonts';

describe('fontFamilyFor', () => {
  it('puts the bundled text face first, then the icons, then the system stack', () => {
    const family = fontFamilyFor('bundled');
    expect(family.startsWith(`"${TEXT_FAMILY}", "${ICON_FAMILY}", `)).toBe(true);
    expect(family.endsWith(SYSTEM_STACK)).toBe(true);
  });

  it('keeps the system fonts first for the system choice, icons just before the generic family', () => {
    const family = fontFamilyFor('system');
    expect(family.startsWith('ui-monospace,')).toBe(true);
    expect(family).not.toContain(TEXT_FAMILY);
    expect(family.endsWith(`"${ICON_FAMILY}", monospace`)).toBe(true);
  });
});

describe('font face names', () => {
  it('strips the quotes browsers may keep around a family', () => {
    expect(bareFamily('"JetBrains Mono"')).toBe('JetBrains Mono');
    expect(bareFamily("'Pure Nerd Font'")).toBe('Pure Nerd Font');
    expect(bareFamily('Inter')).toBe('Inter');
  });

  it('reacts only to the faces a terminal draws with', () => {
    expect(affectsTerminal(['"JetBrains Mono"'])).toBe(true);
    expect(affectsTerminal(['Inter', ICON_FAMILY])).toBe(true);
    expect(affectsTerminal(['Inter', 'Roboto'])).toBe(false);
    expect(affectsTerminal([])).toBe(false);
  });

  it('knows the two choices and nothing else', () => {
    expect(isTerminalFont('bundled')).toBe(true);
    expect(isTerminalFont('system')).toBe(true);
    expect(isTerminalFont('Comic Sans')).toBe(false);
    expect(isTerminalFont(null)).toBe(false);
  });
});
