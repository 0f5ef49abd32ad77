/**
 * GitHub emoji shortcodes (`:tada:`) for the markdown viewer, as a small marked inline
 * extension. Pure: the name → emoji table is passed in (mdRender.ts loads gemoji's table
 * with a dynamic import, and only when `mayHaveShortcodes` says the document needs it).
 *
 * Being an inline tokenizer, it only ever sees text that marked treats as inline text, so
 * code spans, fenced and indented code, link destinations, autolinked URLs and raw HTML
 * (tags and their attributes) keep their colons: marked consumes those whole before this
 * extension is asked about the characters inside them.
 */
import type { TokenizerAndRendererExtension, Tokens } from 'marked';

/** Name → emoji character, e.g. gemoji's `nameToEmoji`. */
export type EmojiTable = Readonly<Record<string, string>>;

/** A shortcode: letters, digits, `_`, `+` and `-` between two colons (`:+1:`, `:e-mail:`). */
const SHORTCODE = /:([a-z0-9_+-]+):/i;
const SHORTCODE_AT_START = /^:([a-z0-9_+-]+):/i;

/** Whether the source contains anything shaped like a shortcode (so the table is worth loading). */
export function mayHaveShortcodes(source: string): boolean {
  return SHORTCODE.test(source);
}

/** The emoji a shortcode name stands for, or null when gemoji does not know it. */
export function lookupEmoji(table: EmojiTable, name: string): string | null {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : null;
}

export interface EmojiToken extends Tokens.Generic {
  type: 'emoji';
  raw: string;
  name: string;
  emoji: string;
}

function escapeAttr(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** The marked extension; it renders a known shortcode as `<span class="md-emoji">`. */
export function emojiExtension(table: EmojiTable): TokenizerAndRendererExtension {
  return {
    name: 'emoji',
    level: 'inline',
    // Where inline text must stop so the tokenizer gets a look (marked cuts text tokens here).
    start(src: string) {
      const m = SHORTCODE.exec(src);
      return m ? m.index : undefined;
    },
    tokenizer(src: string): EmojiToken | undefined {
      const m = SHORTCODE_AT_START.exec(src);
      if (!m) return undefined;
      const emoji = lookupEmoji(table, m[1]);
      return emoji === null ? undefined : { type: 'emoji', raw: m[0], name: m[1], emoji };
    },
    renderer(token) {
      const { name, emoji } = token as EmojiToken;
      return `<span class="md-emoji" title="${escapeAttr(`:${name}:`)}">${emoji}</span>`;
    },
  };
}
