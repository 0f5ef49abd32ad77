import { describe, expect, it } from 'vitest';
import { wantWebgl } from './renderer';
import { wsUrl } from './connection';

describe('wantWebgl', () => {
  it('follows the stored preference, else the pointer type', () => {
    expect(wantWebgl('webgl', true)).toBe(true);
    expect(wantWebgl('dom', false)).toBe(false);
    expect(wantWebgl(null, false)).toBe(true);
    expect(wantWebgl(null, true)).toBe(false);
    expect(wantWebgl('bogus', true)).toBe(false);
  });
});

describe('wsUrl', () => {
  it('uses the page origin with ws: or wss:', () => {
    expect(wsUrl({ protocol: 'http:', host: 'localhost:3456' } as Location)).toBe('ws://localhost:3456/ws');
    expect(wsUrl({ protocol: 'https:', host: 'x.example' } as Location)).toBe('wss://x.example/ws');
  });
});
