import * as ort from 'onnxruntime-node';
import { ModelError } from './errors.js';
import type { Feeds, OnnxModel } from './onnxModel.js';

/** The float element types a runner accepts for caches, hidden states and logits. */
export type FloatType = 'float32' | 'float16';

function checkFloat(
  model: OnnxModel,
  kind: 'input' | 'output',
  name: string,
  type: string | undefined,
): FloatType {
  if (type === 'float32' || type === 'float16') return type;
  throw new ModelError(
    'ERR_MODEL_LOAD',
    `${model.name}: ${kind} ${name} is ${type ?? 'missing'}; this runner reads float32 or float16 exports`,
  );
}

/**
 * The element type the session declares for a float input, read once at load:
 * float32 or float16, anything else (or a missing input) is ERR_MODEL_LOAD, so a
 * quantized or bfloat16 export fails at load and never with a native type error mid-call.
 */
export function floatInputType(model: OnnxModel, name: string): FloatType {
  return checkFloat(model, 'input', name, model.inputSpec(name)?.type);
}

/** As {@link floatInputType}, for an output (logits, present.*). */
export function floatOutputType(model: OnnxModel, name: string): FloatType {
  return checkFloat(model, 'output', name, model.outputSpec(name)?.type);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half (as its 16 bits) to a number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A number to IEEE 754 half bits, rounding to nearest even; overflow goes to ±Infinity. */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const bits = u32[0] as number;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = m & ((1 << shift) - 1);
    let out = m >>> shift;
    if (rest > half || (rest === half && out & 1)) out++;
    return sign | out;
  }
  let out = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && out & 1)) out++;
  return sign | out;
}

/**
 * The values of a float32 or float16 tensor as float32, optionally only the
 * flat range [start, end): a view for float32, a converted copy for float16
 * (so reading one row of a large float16 tensor converts only that row).
 */
export function floatData(tensor: ort.Tensor, start = 0, end: number = tensor.size): Float32Array {
  if (tensor.type === 'float32') return (tensor.data as Float32Array).subarray(start, end);
  if (tensor.type === 'float16') {
    const bits = tensor.data as unknown as Uint16Array | Float32Array;
    // onnxruntime-node hands float16 over as Uint16Array bits (or Float16Array where the runtime has one).
    const range = bits.subarray(start, end);
    if (range instanceof Uint16Array) return Float32Array.from(range, halfToFloat);
    return Float32Array.from(range);
  }
  throw new ModelError('ERR_MODEL_RUN', `expected a float tensor, got ${tensor.type}`);
}

/**
 * Output `name` of a run, checked to be there. Its float type was checked at
 * load ({@link floatOutputType}); read its values with {@link floatData}.
 */
export function outputTensor(model: OnnxModel, outputs: Feeds, name: string): ort.Tensor {
  const tensor = outputs[name];
  if (!tensor) throw new ModelError('ERR_MODEL_RUN', `${model.name}: no ${name} output`);
  return tensor;
}

/** A tensor of `type` holding `values` (float32 values are stored as given, float16 rounded). */
export function floatTensor(type: FloatType, values: Float32Array, dims: readonly number[]): ort.Tensor {
  if (type === 'float32') return new ort.Tensor('float32', values, dims);
  return new ort.Tensor('float16', Uint16Array.from(values, floatToHalf), dims);
}

/**
 * Logits [B, T, V] (float32 or float16) → the last position's row for each
 * batch item, as float32 copies the caller may change. Only those rows are
 * converted, never the whole tensor (a prompt step's logits hold T rows).
 */
export function lastPositionLogits(logits: ort.Tensor): Float32Array[] {
  const [b, t, v] = logits.dims as [number, number, number];
  return Array.from({ length: b }, (_, i) => floatData(logits, (i * t + t - 1) * v, (i * t + t) * v).slice());
}
