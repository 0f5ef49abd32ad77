/**
 * Placeholder: sticky modifiers applied to soft-keyboard input (issue #8). The terminal
 * workspace passes every term.onData chunk through this before sending it.
 */
export function transformSoftInput(data: string): string {
  return data;
}
