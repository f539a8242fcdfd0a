import * as ort from 'onnxruntime-node';
import { ModelError } from './errors.js';
import { type FloatType, floatInputType, floatOutputType } from './floatTensors.js';
import type { Feeds, OnnxModel } from './onnxModel.js';

/**
 * The rule every exported decoder with a KV cache follows, as data: outputs
 * named `present.X` feed the next step's input `past_key_values.X`, except the
 * entries whose name holds `frozenInfix`. Those (an encoder-decoder's
 * cross-attention keys/values, `past_key_values.{i}.encoder.*`) are computed
 * once at the first step and fed back unchanged for the rest of the decode: in
 * optimum's merged decoder the cached branch (`use_cache_branch = true`)
 * returns empty placeholders for them (transformers.js `getPastKeyValues`).
 */
export const KV_CACHE_RULE = {
  pastPrefix: 'past_key_values.',
  presentPrefix: 'present.',
  frozenInfix: '.encoder.',
} as const;

/** The past-key-value inputs of a decoder, in session order. */
export function pastInputNames(model: OnnxModel): string[] {
  return model.inputNames.filter((n) => n.startsWith(KV_CACHE_RULE.pastPrefix));
}

/**
 * Empty caches (sequence length 0) for the first step, shaped and typed from the
 * session's own input metadata: axis 0 (when symbolic) is the batch, other
 * symbolic axes are 0; float32 or float16 as the session declares (anything else
 * is ERR_MODEL_LOAD, see `floatInputType`).
 */
export function emptyPast(model: OnnxModel, batch: number): Feeds {
  const feeds: Feeds = {};
  for (const name of pastInputNames(model)) {
    const spec = model.inputSpec(name);
    const shape = (spec?.shape ?? []).map((d, i) => (typeof d === 'number' ? d : i === 0 ? batch : 0));
    feeds[name] =
      floatInputType(model, name) === 'float16'
        ? new ort.Tensor('float16', new Uint16Array(0), shape)
        : new ort.Tensor('float32', new Float32Array(0), shape);
  }
  return feeds;
}

/**
 * The next step's `past_key_values.*` feeds from a step's `present.*` outputs.
 * Pass the feeds of the step that produced `outputs` as `previous` from the
 * second step on: frozen entries (`*.encoder.*`) are then taken from it, not
 * from the outputs. At the first step (no `previous`) every entry comes from
 * the outputs, which is where the frozen ones are computed.
 */
export function nextPast(outputs: Feeds, previous?: Feeds): Feeds {
  const feeds: Feeds = {};
  for (const [name, tensor] of Object.entries(outputs)) {
    if (!name.startsWith(KV_CACHE_RULE.presentPrefix)) continue;
    const pastName = KV_CACHE_RULE.pastPrefix + name.slice(KV_CACHE_RULE.presentPrefix.length);
    const kept = name.includes(KV_CACHE_RULE.frozenInfix) ? previous?.[pastName] : undefined;
    feeds[pastName] = kept ?? tensor;
  }
  return feeds;
}

/**
 * The one float type of a decoder's cache, checked at load: every
 * `past_key_values.X` input and its `present.X` output must be float32, or all
 * float16; otherwise ERR_MODEL_LOAD names the tensor.
 */
export function cacheFloatType(model: OnnxModel): FloatType | null {
  let type: FloatType | null = null;
  for (const past of pastInputNames(model)) {
    const present = KV_CACHE_RULE.presentPrefix + past.slice(KV_CACHE_RULE.pastPrefix.length);
    for (const t of [floatInputType(model, past), floatOutputType(model, present)]) {
      type ??= t;
      if (t !== type)
        throw new ModelError(
          'ERR_MODEL_LOAD',
          `${model.name}: ${past}/${present} is ${t}, other cache entries ${type}`,
        );
    }
  }
  return type;
}
