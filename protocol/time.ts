/** `mm:ss` of a time in ms (minutes grow past 59: `75:03`): how every timestamp is shown and cited. */
export function formatMmSs(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}
