import type * as ort from 'onnxruntime-node';
import { ModelError } from '../runtime/errors.js';
import type { Feeds, OnnxModel } from '../runtime/onnxModel.js';

/**
 * Load-time check that the float inputs this runner feeds (pixels, embeddings,
 * KV cache) are float32 in the session's own metadata. An fp16 export fails here
 * with ERR_MODEL_LOAD naming the tensor, not later with a native type error.
 */
export function requireFloat32Inputs(model: OnnxModel, names: readonly string[]): void {
  for (const name of names) {
    const type = model.inputSpec(name)?.type;
    if (type !== 'float32') {
      throw new ModelError(
        'ERR_MODEL_LOAD',
        `${model.name}: input ${name} is ${type ?? 'missing'}, but only float32 inputs are supported; use the fp32 (or quantized, float32-I/O) export`,
      );
    }
  }
}

/** A float32 output's data; ERR_MODEL_RUN naming the tensor when it is missing or another dtype. */
export function float32Output(
  model: OnnxModel,
  outputs: Feeds,
  name: string,
): { data: Float32Array; tensor: ort.Tensor } {
  const tensor = outputs[name];
  if (!tensor) throw new ModelError('ERR_MODEL_RUN', `${model.name}: no ${name} output`);
  if (tensor.type !== 'float32') {
    throw new ModelError(
      'ERR_MODEL_RUN',
      `${model.name}: output ${name} is ${tensor.type}, expected float32`,
    );
  }
  return { data: tensor.data as Float32Array, tensor };
}
