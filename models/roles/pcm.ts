import type { PcmChunk } from '../../core/media.js';
import { ModelError } from '../runtime/errors.js';

/** Length of a chunk in ms. */
export function chunkDurationMs(chunk: PcmChunk): number {
  return (chunk.samples.length * 1000) / chunk.sampleRateHz;
}

/** Refuses a chunk at another rate than the model's (ERR_MODEL_INPUT): resample before, never guess. */
export function requireRate(chunk: PcmChunk, sampleRateHz: number, who: string): void {
  if (chunk.sampleRateHz !== sampleRateHz) {
    throw new ModelError(
      'ERR_MODEL_INPUT',
      `${who} takes ${sampleRateHz} Hz audio; this chunk is ${chunk.sampleRateHz} Hz (resample it first)`,
    );
  }
}
