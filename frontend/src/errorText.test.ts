import { describe, expect, it } from 'vitest';
import { ApiError } from './api';
import { errorText } from './errorText';

describe('errorText', () => {
  it("shows an Error's message", () => {
    expect(errorText(new Error('disk full'))).toBe('disk full');
    expect(errorText(new TypeError('bad'), 'fallback')).toBe('bad');
  });

  it('turns a thrown non-Error into text when there is no fallback', () => {
    expect(errorText('plain string')).toBe('plain string');
    expect(errorText(42)).toBe('42');
    expect(errorText(undefined)).toBe('undefined');
  });

  it('uses the fallback for a thrown non-Error', () => {
    expect(errorText('plain string', 'Upload failed')).toBe('Upload failed');
    expect(errorText(null, 'Paste failed')).toBe('Paste failed');
  });

  it('keeps an empty message rather than falling back', () => {
    expect(errorText(new Error(''), 'fallback')).toBe('');
  });

  it('limited to ApiError, hides other errors behind the fallback', () => {
    expect(errorText(new ApiError(404, 'No such folder'), 'Download failed', ApiError)).toBe('No such folder');
    expect(errorText(new TypeError('Failed to fetch'), 'Download failed', ApiError)).toBe('Download failed');
    expect(errorText('x', 'Download failed', ApiError)).toBe('Download failed');
  });
});
