/** RMS per `binMs` bin. */
export function rmsEnvelope(samples: ArrayLike<number>, sampleRate: number, binMs: number): Float64Array {
  const bin = Math.round((sampleRate * binMs) / 1000);
  const n = Math.floor(samples.length / bin);
  const out = new Float64Array(n);
  for (let b = 0; b < n; b++) {
    let sum = 0;
    for (let i = b * bin; i < (b + 1) * bin; i++) sum += (samples[i] as number) ** 2;
    out[b] = Math.sqrt(sum / bin);
  }
  return out;
}

/** Speech activity per bin: above `threshold`, with gaps shorter than `closeBins` bins filled. */
export function activity(env: ArrayLike<number>, threshold: number, closeBins: number): boolean[] {
  const act = Array.from(env, (v) => v > threshold);
  let lastOn = -Infinity;
  for (let i = 0; i < act.length; i++) {
    if (act[i]) {
      if (i - lastOn > 1 && i - lastOn <= closeBins) for (let j = lastOn + 1; j < i; j++) act[j] = true;
      lastOn = i;
    }
  }
  return act;
}

/** Indices where activity changes (the index of the first bin of the new state). */
export function transitions(act: boolean[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < act.length; i++) if (act[i] !== act[i - 1]) out.push(i);
  return out;
}

/** The lag (0..period-1) that best aligns `received[i]` with `source[(i + lag) % period]`. */
export function bestCyclicLag(received: boolean[], source: boolean[]): { lag: number; agreement: number } {
  const p = source.length;
  let best = { lag: 0, agreement: -1 };
  for (let lag = 0; lag < p; lag++) {
    let agree = 0;
    for (let i = 0; i < received.length; i++) if (received[i] === source[(i + lag) % p]) agree++;
    const agreement = agree / received.length;
    if (agreement > best.agreement) best = { lag, agreement };
  }
  return best;
}

/** Mean R, G, B of a packed RGB24 image. */
export function meanRgb(rgb: Uint8Array): [number, number, number] {
  let r = 0;
  let g = 0;
  let b = 0;
  const n = rgb.length / 3;
  for (let i = 0; i < rgb.length; i += 3) {
    r += rgb[i] as number;
    g += rgb[i + 1] as number;
    b += rgb[i + 2] as number;
  }
  return [r / n, g / n, b / n];
}

/** Index of the nearest palette colour, or -1 when none is within `maxDistance` (Euclidean RGB). */
export function classifyColour(
  rgb: [number, number, number],
  palette: [number, number, number][],
  maxDistance: number,
): number {
  let best = -1;
  let bestD = Infinity;
  palette.forEach((p, i) => {
    const d = Math.hypot(rgb[0] - p[0], rgb[1] - p[1], rgb[2] - p[2]);
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return bestD <= maxDistance ? best : -1;
}
