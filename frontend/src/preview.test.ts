import { describe, expect, it } from 'vitest';
import { parsePort, previewUrl } from './preview';

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

describe('previewUrl', () => {
  it('uses the preview listener when there is one', () => {
    expect(previewUrl('http://localhost:41234', 5173)).toBe('http://localhost:41234/preview/5173/');
    expect(previewUrl('http://[::1]:41234/', 80)).toBe('http://[::1]:41234/preview/80/');
  });

  it('falls back to this origin', () => {
    expect(previewUrl(null, 3000)).toBe('/preview/3000/');
    expect(previewUrl(undefined, 3000)).toBe('/preview/3000/');
  });
});
