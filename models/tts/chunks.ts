import type { PcmChunk } from '../../core/media.js';

/** Synthesized audio is handed out in pieces this long, so an abort takes effect between them. */
export const TTS_CHUNK_MS = 200;

/** True when `text` has something to say (a letter or a digit). */
export function hasSpeech(text: string): boolean {
  return /\p{L}|\p{N}/u.test(text);
}

/** Cuts one synthesis into contiguous chunks of at most `chunkMs`, `ptsMs` from 0. */
export function* splitPcm(
  samples: Int16Array,
  sampleRateHz: number,
  chunkMs = TTS_CHUNK_MS,
): Generator<PcmChunk> {
  const step = Math.max(1, Math.round((sampleRateHz * chunkMs) / 1000));
  for (let at = 0; at < samples.length; at += step) {
    yield { samples: samples.subarray(at, at + step), sampleRateHz, ptsMs: (at * 1000) / sampleRateHz };
  }
}
