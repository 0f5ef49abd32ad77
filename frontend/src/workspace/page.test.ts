import { describe, expect, it } from 'vitest';
import { pageTitle, terminalPath } from './page';

describe('page address and title', () => {
  it('encodes the session id into the terminal path', () => {
    expect(terminalPath('a b/c')).toBe('/terminal?id=a%20b%2Fc');
  });

  it('names the session in the title when it is known', () => {
    expect(pageTitle('build')).toBe('build — TermBeam');
    expect(pageTitle(undefined)).toBe('TermBeam');
  });
});
