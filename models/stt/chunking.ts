/** A span of samples to transcribe as one ≤30 s window. */
export interface AudioChunk {
  startSample: number;
  endSample: number;
}

export interface ChunkPlanOptions {
  sampleRateHz: number;
  /** The model's window (Whisper: 30 s). */
  maxChunkMs: number;
  /** How far back from the window's end to look for a pause to cut at. */
  searchMs: number;
  /** Speech probability per VAD window (e.g. Silero's 32 ms), if available. */
  speechProbabilities?: readonly number[];
  vadWindowMs?: number;
}

function energyAt(samples: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += (samples[i] as number) ** 2;
  return sum / Math.max(1, to - from);
}

/**
 * Splits long audio into chunks no longer than the model's window, cutting in
 * the quietest place near each window's end: the window VAD finds least
 * speech-like, or, without VAD, the lowest-energy 32 ms. Words are not cut in
 * half and every chunk knows its absolute offset.
 */
export function planChunks(samples: Float32Array, o: ChunkPlanOptions): AudioChunk[] {
  const maxLen = Math.floor((o.maxChunkMs * o.sampleRateHz) / 1000);
  const search = Math.floor((o.searchMs * o.sampleRateHz) / 1000);
  const vadWin = Math.floor(((o.vadWindowMs ?? 32) * o.sampleRateHz) / 1000);
  const chunks: AudioChunk[] = [];
  let start = 0;
  while (samples.length - start > maxLen) {
    const hardEnd = start + maxLen;
    let bestCut = hardEnd;
    let bestScore = Number.POSITIVE_INFINITY;
    for (let w = Math.floor((hardEnd - search) / vadWin); (w + 1) * vadWin <= hardEnd; w++) {
      if (w * vadWin <= start) continue;
      const score = o.speechProbabilities
        ? (o.speechProbabilities[w] ?? 1)
        : energyAt(samples, w * vadWin, (w + 1) * vadWin);
      // Prefer the latest of equally quiet places (longer chunks, fewer cuts).
      if (score <= bestScore) {
        bestScore = score;
        bestCut = w * vadWin + (vadWin >> 1);
      }
    }
    chunks.push({ startSample: start, endSample: bestCut });
    start = bestCut;
  }
  if (start < samples.length || chunks.length === 0)
    chunks.push({ startSample: start, endSample: samples.length });
  return chunks;
}
