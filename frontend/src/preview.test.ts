import { describe, expect, it } from 'vitest';
import { parsePort, previewOpenUrl } from './preview';

describe('parsePort', () => {
  it('accepts integers from 1 to 65535', () => {
    expect(parsePort('1')).toBe(1);
    expect(parsePort(' 3000 ')).toBe(3000);
    expect(parsePort('65535')).toBe(65535);
    expect(parsePort('08080')).toBe(8080);
  });

  it('rejects everything else', () => {
    for (const bad of ['', ' ', '0', '65536', '99999', '123456', '-1', '3.5', '1e3', 'abc', '80a', '0x50']) {
      expect(parsePort(bad), bad).toBeNull();
    }
  });
});

describe('previewOpenUrl', () => {
  it('asks the server where the port opens', () => {
    expect(previewOpenUrl(5173)).toBe('/api/preview/5173/open');
    expect(previewOpenUrl(80)).toBe('/api/preview/80/open');
  });
});
