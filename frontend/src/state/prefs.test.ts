import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFS, mergePrefs } from './prefs';

describe('mergePrefs terminalFont', () => {
  it('defaults to the bundled font', () => {
    expect(DEFAULT_PREFS.terminalFont).toBe('bundled');
    expect(mergePrefs(DEFAULT_PREFS, {}).terminalFont).toBe('bundled');
  });

  it('takes the known choices', () => {
    expect(mergePrefs(DEFAULT_PREFS, { terminalFont: 'system' }).terminalFont).toBe('system');
    const system = mergePrefs(DEFAULT_PREFS, { terminalFont: 'system' });
    expect(mergePrefs(system, { terminalFont: 'bundled' }).terminalFont).toBe('bundled');
  });

  it('ignores unknown values and keeps the current choice', () => {
    const system = mergePrefs(DEFAULT_PREFS, { terminalFont: 'system' });
    for (const bad of ['Comic Sans', '', 5, null, ['system'], { x: 1 }]) {
      expect(mergePrefs(system, { terminalFont: bad }).terminalFont).toBe('system');
    }
  });

  it('still merges the other keys as before', () => {
    const p = mergePrefs(DEFAULT_PREFS, { terminalFont: 'system', fontSize: 18, themeId: 7, evil: 1 });
    expect(p.fontSize).toBe(18);
    expect(p.themeId).toBe(DEFAULT_PREFS.themeId);
    expect('evil' in p).toBe(false);
  });
});
