import { Marked } from 'marked';
import { nameToEmoji } from 'gemoji';
import { describe, expect, it } from 'vitest';
import { emojiExtension, lookupEmoji, mayHaveShortcodes } from './emoji';

const table = { smile: '😄', '+1': '👍', tada: '🎉', 'e-mail': '📧', constructor: '🏗' };
const render = (md: string) => new Marked({ gfm: true, extensions: null }).use({ extensions: [emojiExtension(table)] }).parse(md, { async: false });
const span = (name: string, emoji: string) => `<span class="md-emoji" title=":${name}:">${emoji}</span>`;

describe('shortcode detection', () => {
  it('spots anything shaped like a shortcode, and nothing else', () => {
    expect(mayHaveShortcodes('Done :tada:')).toBe(true);
    expect(mayHaveShortcodes(':+1: and :e-mail:')).toBe(true);
    expect(mayHaveShortcodes(':no such name:')).toBe(false);
    expect(mayHaveShortcodes('key: value, url: http://x')).toBe(false);
    expect(mayHaveShortcodes('')).toBe(false);
  });

  it('looks names up in the table only, not in Object.prototype', () => {
    expect(lookupEmoji(table, 'tada')).toBe('🎉');
    expect(lookupEmoji(table, 'nope')).toBeNull();
    expect(lookupEmoji({}, 'constructor')).toBeNull();
    expect(lookupEmoji({}, 'toString')).toBeNull();
  });

  it("knows GitHub's names from the gemoji table", () => {
    expect(lookupEmoji(nameToEmoji, 'smile')).toBe('😄');
    expect(lookupEmoji(nameToEmoji, '+1')).toBe('👍');
    expect(lookupEmoji(nameToEmoji, 'thumbsup')).toBe('👍');
    expect(lookupEmoji(nameToEmoji, 'tada')).toBe('🎉');
  });
});

describe('emoji extension', () => {
  it('renders known shortcodes in text, headings, emphasis, tables and link text', () => {
    expect(render('Ship it :tada: :+1:')).toBe(`<p>Ship it ${span('tada', '🎉')} ${span('+1', '👍')}</p>\n`);
    expect(render('# Hi :smile:')).toContain(span('smile', '😄'));
    expect(render('*yay :tada:*')).toBe(`<p><em>yay ${span('tada', '🎉')}</em></p>\n`);
    expect(render('| a |\n|---|\n| :smile: |')).toContain(`<td>${span('smile', '😄')}</td>`);
    expect(render('[go :tada:](https://x.example/)')).toContain(`>go ${span('tada', '🎉')}</a>`);
    expect(render('mail:e-mail:now')).toContain(span('e-mail', '📧'));
  });

  it('leaves unknown names, escapes and lone colons literal', () => {
    expect(render(':nope: and :smile:')).toBe(`<p>:nope: and ${span('smile', '😄')}</p>\n`);
    expect(render(':nope:smile:')).toBe(`<p>:nope${span('smile', '😄')}</p>\n`);
    expect(render('at 10:30:45')).toBe('<p>at 10:30:45</p>\n');
    expect(render('\\:smile:')).toBe('<p>:smile:</p>\n');
    expect(render(':constructor: is in the table, :toString: is not')).toContain(':toString:');
  });

  it('never touches code, URLs or HTML attributes', () => {
    expect(render('`:smile:` and :smile:')).toBe(`<p><code>:smile:</code> and ${span('smile', '😄')}</p>\n`);
    expect(render('```\n:smile:\n```')).toBe('<pre><code>:smile:\n</code></pre>\n');
    expect(render('    :tada: indented')).toBe('<pre><code>:tada: indented\n</code></pre>\n');
    expect(render('[x](https://e.example/:smile:/)')).toContain('href="https://e.example/:smile:/"');
    expect(render('see https://e.example/:smile:/ ok')).toContain('>https://e.example/:smile:/</a>');
    expect(render('<https://e.example/:tada:>')).not.toContain('md-emoji');
    expect(render('hi <span title=":smile:">there</span>')).toBe('<p>hi <span title=":smile:">there</span></p>\n');
    expect(render('<div title=":smile:">\n:smile:\n</div>')).not.toContain('md-emoji');
  });
});
