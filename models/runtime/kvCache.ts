import * as ort from 'onnxruntime-node';
import type { Feeds, OnnxModel } from './onnxModel.js';

/**
 * The rule every exported decoder with a KV cache follows, as data: outputs
 * named `present.X` feed the next step's input `past_key_values.X`.
 */
export const KV_CACHE_RULE = { pastPrefix: 'past_key_values.', presentPrefix: 'present.' } as const;

/** The past-key-value inputs of a decoder, in session order. */
export function pastInputNames(model: OnnxModel): string[] {
  return model.inputNames.filter((n) => n.startsWith(KV_CACHE_RULE.pastPrefix));
}

/**
 * Empty caches (sequence length 0) for the first step, shaped from the session's
 * own input metadata: the first symbolic axis is the batch, other symbolic axes are 0.
 */
export function emptyPast(model: OnnxModel, batch: number): Feeds {
  const feeds: Feeds = {};
  for (const name of pastInputNames(model)) {
    const spec = model.inputSpec(name);
    const shape = (spec?.shape ?? []).map((d, i) => (typeof d === 'number' ? d : i === 0 ? batch : 0));
    feeds[name] = new ort.Tensor('float32', new Float32Array(0), shape);
  }
  return feeds;
}

/** Maps a step's `present.*` outputs to the next step's `past_key_values.*` feeds. */
export function nextPast(outputs: Feeds): Feeds {
  const feeds: Feeds = {};
  for (const [name, tensor] of Object.entries(outputs)) {
    if (name.startsWith(KV_CACHE_RULE.presentPrefix)) {
      feeds[KV_CACHE_RULE.pastPrefix + name.slice(KV_CACHE_RULE.presentPrefix.length)] = tensor;
    }
  }
  return feeds;
}
