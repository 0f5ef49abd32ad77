/** The one place a failure becomes the sentence a user reads. */

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * The text to show for `err`: its message when it is an instance of `only` (any `Error` by
 * default), otherwise `fallback`, or the thrown value itself as text when there is none.
 * Pass `ApiError` as `only` where only the server's own words should reach the user and a
 * network or programming error should read as the fallback.
 */
export function errorText(err: unknown, fallback?: string, only: ErrorClass = Error): string {
  if (err instanceof only) return err.message;
  return fallback ?? String(err);
}
