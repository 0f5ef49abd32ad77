/** A rough terminal size for the current window, so a new shell starts close to its final size. */
export function estimateSize(width: number, height: number): { cols: number; rows: number } {
  const cols = Math.max(20, Math.min(500, Math.floor((width - 8) / 8.4)));
  const rows = Math.max(5, Math.min(200, Math.floor((height - 90) / 17)));
  return { cols, rows };
}

export function windowSize(): { cols: number; rows: number } {
  return estimateSize(window.innerWidth, window.innerHeight);
}
