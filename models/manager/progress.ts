/** Progress of one transfer, in bytes. */
export interface TransferProgress {
  label: string;
  doneBytes: number;
  totalBytes: number | null;
  bytesPerS: number;
}

function human(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

/** One progress line: bar, percent, bytes, rate and ETA. */
export function formatProgress(p: TransferProgress, width = 24): string {
  const rate = `${human(p.bytesPerS)}/s`;
  if (!p.totalBytes) return `${p.label}  ${human(p.doneBytes)}  ${rate}`;
  const frac = Math.min(1, p.doneBytes / p.totalBytes);
  const filled = Math.round(frac * width);
  const eta = p.bytesPerS > 0 ? Math.ceil((p.totalBytes - p.doneBytes) / p.bytesPerS) : null;
  const etaText =
    eta === null
      ? '--'
      : eta >= 60
        ? `${Math.floor(eta / 60)}m${String(eta % 60).padStart(2, '0')}s`
        : `${eta}s`;
  return `[${'='.repeat(filled)}${' '.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${human(p.doneBytes)}/${human(p.totalBytes)}  ${rate}  ETA ${etaText}  ${p.label}`;
}

/** Draws progress on a terminal (one rewritten line, at most 5 times a second) or as occasional lines elsewhere. */
export function progressPrinter(
  stream: NodeJS.WriteStream = process.stderr,
): (p: TransferProgress, done?: boolean) => void {
  let lastMs = 0;
  let lastDecile = -1;
  return (p, done = false) => {
    if (stream.isTTY) {
      const now = Date.now();
      if (!done && now - lastMs < 200) return;
      lastMs = now;
      stream.write(`\r${formatProgress(p).slice(0, (stream.columns ?? 120) - 1)}\x1b[K${done ? '\n' : ''}`);
      return;
    }
    const decile = p.totalBytes ? Math.floor((10 * p.doneBytes) / p.totalBytes) : -1;
    if (done || decile > lastDecile) {
      lastDecile = decile;
      stream.write(`${formatProgress(p)}\n`);
    }
  };
}
