/** The terminal buffer as plain text for the copy view (pure over xterm's buffer interface). */

/** The slice of xterm's IBuffer this needs (so tests can pass a fake). */
export interface BufferLike {
  length: number;
  getLine(y: number): { isWrapped: boolean; translateToString(trimRight?: boolean): string } | undefined;
}

/**
 * Every line of the buffer, trailing spaces trimmed; soft-wrapped rows are joined back into
 * the line they continue, and blank rows at the end (below the prompt) are dropped.
 */
export function bufferText(buf: BufferLike): string {
  const lines: string[] = [];
  for (let y = 0; y < buf.length; y++) {
    const line = buf.getLine(y);
    if (!line) continue;
    const text = line.translateToString(true);
    if (line.isWrapped && lines.length > 0) lines[lines.length - 1] += text;
    else lines.push(text);
  }
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.join('\n');
}
