import type { PcmChunk } from '../../core/media.js';
import { createResampler, type ResampleContext } from '../audio/resample.js';

async function* once<T>(item: T): AsyncGenerator<T> {
  yield item;
}

/**
 * The same stretch of audio at `rateHz` (the streaming resampler run over one
 * chunk, its tail flushed): for a model whose rate is not the call's. A chunk
 * already at `rateHz` is returned as it is.
 */
export async function toRate(chunk: PcmChunk, rateHz: number, ctx: ResampleContext): Promise<PcmChunk> {
  if (chunk.sampleRateHz === rateHz) return chunk;
  const parts: Int16Array[] = [];
  let length = 0;
  for await (const out of createResampler({ targetRateHz: rateHz })(once(chunk), ctx)) {
    parts.push(out.samples);
    length += out.samples.length;
  }
  const samples = new Int16Array(length);
  let offset = 0;
  for (const p of parts) {
    samples.set(p, offset);
    offset += p.length;
  }
  return { samples, sampleRateHz: rateHz, ptsMs: chunk.ptsMs };
}
