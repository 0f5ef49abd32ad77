/** Placeholder: tunnel, update and connection banners (issue #8). Renders nothing yet. */
export function Banners() {
  return null;
}
