// Feeds of the right shapes for timing the real-size stand-ins' sessions directly.
import * as ort from 'onnxruntime-node';
import { mulberry32 } from '../models/runtime/random.js';

const random = mulberry32(5);

/** float32 values uniform in ±scale. */
export function randomFloats(n: number, scale = 0.5): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (random() * 2 - 1) * scale;
  return out;
}

export function f32(data: Float32Array, dims: number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims);
}

export function i64(values: number[], dims: number[]): ort.Tensor {
  return new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);
}

/**
 * A SmolVLM decoder step's feeds: `newTokens` rows after a KV cache of
 * `pastLen` (random keys and values: the cost depends on the length, not the values).
 */
export function smolVlmDecoderFeeds(
  session: ort.InferenceSession,
  dims: { d: number; kvHeads: number; headDim: number },
  pastLen: number,
  newTokens: number,
): Record<string, ort.Tensor> {
  const total = pastLen + newTokens;
  const feeds: Record<string, ort.Tensor> = {
    inputs_embeds: f32(randomFloats(newTokens * dims.d), [1, newTokens, dims.d]),
    attention_mask: i64(new Array<number>(total).fill(1), [1, total]),
    position_ids: i64(
      Array.from({ length: newTokens }, (_, i) => pastLen + i),
      [1, newTokens],
    ),
  };
  const past = randomFloats(dims.kvHeads * pastLen * dims.headDim, 1);
  for (const name of session.inputNames.filter((n) => n.startsWith('past_key_values.')))
    feeds[name] = f32(past, [1, dims.kvHeads, pastLen, dims.headDim]);
  return feeds;
}

/**
 * A Whisper merged-decoder step's feeds. `cached`: a step after the first, with
 * `pastLen` decoder keys/values and the 1500 encoder keys/values fed back; else
 * the first step, which computes the encoder keys/values.
 */
export function whisperDecoderFeeds(
  session: ort.InferenceSession,
  dims: { d: number; heads: number; audioCtx: number },
  cached: boolean,
  pastLen: number,
): Record<string, ort.Tensor> {
  const hd = dims.d / dims.heads;
  const tokens = cached ? 1 : 4;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: i64(new Array<number>(tokens).fill(1), [1, tokens]),
    encoder_hidden_states: f32(randomFloats(dims.audioCtx * dims.d), [1, dims.audioCtx, dims.d]),
    use_cache_branch: new ort.Tensor('bool', [cached], [1]),
  };
  const selfLen = cached ? pastLen : 0;
  const crossLen = cached ? dims.audioCtx : 0;
  const self = randomFloats(dims.heads * selfLen * hd, 1);
  const cross = randomFloats(dims.heads * crossLen * hd, 1);
  for (const name of session.inputNames.filter((n) => n.startsWith('past_key_values.'))) {
    feeds[name] = name.includes('.encoder.')
      ? f32(cross, [1, dims.heads, crossLen, hd])
      : f32(self, [1, dims.heads, selfLen, hd]);
  }
  return feeds;
}
