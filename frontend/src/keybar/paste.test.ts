import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Terminal } from '@xterm/xterm';
import { handlePasteEvent, pasteFromClipboard, sendPasteText, uploadImage } from './paste';

const term = (bracketed: boolean) => ({ modes: { bracketedPasteMode: bracketed } }) as unknown as Terminal;
const png = () => new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], { type: 'image/png' });

function stubUpload(path = '/tmp/termbeam-up/x.png', status = 201) {
  const fetch = vi.fn(async () => new Response(JSON.stringify(status < 300 ? { path } : { error: 'No image data' }), { status }));
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

function stubClipboard(clip: Partial<Clipboard>) {
  vi.stubGlobal('navigator', { clipboard: clip });
}

afterEach(() => vi.unstubAllGlobals());

describe('sendPasteText', () => {
  it('brackets when the terminal asked for it', () => {
    const send = vi.fn();
    sendPasteText('a\nb', { send, term: term(true) });
    expect(send).toHaveBeenCalledWith('\x1b[200~a\rb\x1b[201~');
  });
  it('sends nothing for empty text', () => {
    const send = vi.fn();
    sendPasteText('', { send, term: null });
    expect(send).not.toHaveBeenCalled();
  });
});

describe('uploadImage', () => {
  it('posts the raw image with its type and returns the server path', async () => {
    const fetch = stubUpload('/tmp/a b.png');
    await expect(uploadImage(png())).resolves.toBe('/tmp/a b.png');
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/upload');
    expect(init.method).toBe('POST');
    expect(init.headers).toEqual({ 'Content-Type': 'image/png' });
  });
  it('rejects with the server message', async () => {
    stubUpload('', 400);
    await expect(uploadImage(png())).rejects.toThrow('No image data');
  });
});

describe('pasteFromClipboard', () => {
  it('uploads an image and types its quoted path', async () => {
    stubUpload('/tmp/my shot.png');
    const item = { types: ['image/png'], getType: async () => png() };
    stubClipboard({ read: async () => [item] as unknown as ClipboardItems });
    const send = vi.fn();
    await expect(pasteFromClipboard({ send, term: term(true) })).resolves.toBe('sent');
    expect(send).toHaveBeenCalledWith(`'/tmp/my shot.png'`);
  });
  it('pastes clipboard text', async () => {
    const item = { types: ['text/plain'], getType: async () => new Blob(['hi\n']) };
    stubClipboard({ read: async () => [item] as unknown as ClipboardItems });
    const send = vi.fn();
    await expect(pasteFromClipboard({ send, term: term(false) })).resolves.toBe('sent');
    expect(send).toHaveBeenCalledWith('hi\r');
  });
  it('falls back to readText when read() is refused', async () => {
    stubClipboard({ read: () => Promise.reject(new Error('no')), readText: async () => 'x' });
    const send = vi.fn();
    await expect(pasteFromClipboard({ send, term: null })).resolves.toBe('sent');
    expect(send).toHaveBeenCalledWith('x');
  });
  it('reports denied when nothing can be read, and empty for an empty clipboard', async () => {
    stubClipboard({ read: () => Promise.reject(new Error('no')), readText: () => Promise.reject(new Error('no')) });
    await expect(pasteFromClipboard({ send: vi.fn(), term: null })).resolves.toBe('denied');
    stubClipboard({ readText: async () => '' });
    await expect(pasteFromClipboard({ send: vi.fn(), term: null })).resolves.toBe('empty');
    stubClipboard({});
    await expect(pasteFromClipboard({ send: vi.fn(), term: null })).resolves.toBe('denied');
  });
});

describe('handlePasteEvent', () => {
  const event = (items: unknown[]) => {
    const e = { clipboardData: { items }, preventDefault: vi.fn(), stopPropagation: vi.fn() };
    return e as unknown as ClipboardEvent & { preventDefault: ReturnType<typeof vi.fn> };
  };
  it('takes over image pastes and types the uploaded path', async () => {
    stubUpload('/tmp/p.png');
    const send = vi.fn();
    const e = event([{ kind: 'file', type: 'image/png', getAsFile: () => png() }]);
    expect(handlePasteEvent(e, { send, term: null })).toBe(true);
    expect(e.preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(send).toHaveBeenCalledWith('/tmp/p.png'));
  });
  it('leaves text pastes to xterm', () => {
    const e = event([{ kind: 'string', type: 'text/plain', getAsFile: () => null }]);
    expect(handlePasteEvent(e, { send: vi.fn(), term: null })).toBe(false);
    expect(e.preventDefault).not.toHaveBeenCalled();
  });
  it('reports upload failures', async () => {
    stubUpload('', 400);
    const onError = vi.fn();
    handlePasteEvent(event([{ kind: 'file', type: 'image/png', getAsFile: () => png() }]), { send: vi.fn(), term: null, onError });
    await vi.waitFor(() => expect(onError).toHaveBeenCalledWith('No image data'));
  });
});
