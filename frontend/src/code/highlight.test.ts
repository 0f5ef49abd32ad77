import { describe, expect, it } from 'vitest';
import { highlight } from './highlight';

describe('highlight', () => {
  it('loads a grammar on demand and returns escaped, tokenised HTML', async () => {
    const html = await highlight('def f(x):\n    return "<b>"\n', 'python');
    expect(html).toContain('<span class="hljs-keyword">def</span>');
    expect(html).toContain('&lt;b&gt;');
  });
  it('leaves plain text alone', async () => {
    expect(await highlight('anything', 'plaintext')).toBeNull();
  });
});
