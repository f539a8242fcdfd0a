import onnxProto from 'onnx-proto';
import { mulberry32 } from '../runtime/random.js';

const { onnx } = onnxProto;
type INode = onnxProto.onnx.INodeProto;
type ITensor = onnxProto.onnx.ITensorProto;
type IValueInfo = onnxProto.onnx.IValueInfoProto;
type IAttr = onnxProto.onnx.IAttributeProto;

export type DType = 'float32' | 'int64' | 'bool' | 'float16' | 'float64';
/** ONNX TensorProto element type codes. */
export const DATA_TYPE: Record<DType, number> = { float32: 1, int64: 7, bool: 9, float16: 10, float64: 11 };
/** A float element type a tiny model's boundary tensor can be declared with (float64: one no runner reads). */
export type FloatDType = Extract<DType, 'float32' | 'float16' | 'float64'>;
/** A dimension: a fixed size or a symbolic (dynamic) axis name. */
export type Dim = number | string;
export type AttrValue = number | number[] | string | Graph | { floats: number[] } | { tensor: ITensor };

function valueInfo(name: string, dtype: DType, dims: Dim[]): IValueInfo {
  return {
    name,
    type: {
      tensorType: {
        elemType: DATA_TYPE[dtype],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** A tiny ONNX graph builder: inputs, outputs, initializers and nodes, with unique names. */
export class Graph {
  readonly name: string;
  readonly nodes: INode[] = [];
  readonly inits: ITensor[] = [];
  readonly inputs: IValueInfo[] = [];
  readonly outputs: IValueInfo[] = [];
  readonly #random: () => number;
  #counter = 0;

  constructor(name: string, seed = 1) {
    this.name = name;
    this.#random = mulberry32(seed);
  }

  input(name: string, dtype: DType, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, dtype, dims));
    return name;
  }

  /** Declares `value` as a graph output named `name` (through an Identity when the names differ). */
  output(name: string, dtype: DType, dims: Dim[], value: string = name): string {
    if (value !== name)
      this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: `out_${name}` });
    this.outputs.push(valueInfo(name, dtype, dims));
    return name;
  }

  fresh(hint: string): string {
    return `${hint}_${this.#counter++}`;
  }

  floats(values: ArrayLike<number>, dims: number[], hint = 'c'): string {
    const name = this.fresh(hint);
    const data = Float32Array.from(values);
    this.inits.push({ name, dataType: 1, dims, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  ints(values: number[], dims: number[] = [values.length], hint = 'i'): string {
    const name = this.fresh(hint);
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    this.inits.push({ name, dataType: 7, dims, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** A weight with values uniform in ±scale (seeded). */
  weight(dims: number[], scale: number, hint = 'w'): string {
    const n = dims.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (this.#random() * 2 - 1) * scale;
    const name = this.fresh(hint);
    this.inits.push({ name, dataType: 1, dims, rawData: new Uint8Array(data.buffer) });
    return name;
  }

  /** The number of weight values (parameters) in the initializers. */
  parameterCount(): number {
    return this.inits.reduce((n, t) => n + (t.dims ?? []).reduce<number>((a, b) => a * Number(b), 1), 0);
  }

  /** Adds a node; returns its output name(s). */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs = 1): string {
    return this.opN(opType, inputs, attrs, outputs)[0] as string;
  }

  opN(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outputs = 1): string[] {
    const out = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    const attribute: IAttr[] = Object.entries(attrs).map(([name, v]) => {
      if (typeof v === 'number') {
        return Number.isInteger(v) ? { name, type: 2, i: v } : { name, type: 1, f: v };
      }
      if (typeof v === 'string') return { name, type: 3, s: new TextEncoder().encode(v) };
      if (Array.isArray(v)) return { name, type: 7, ints: v };
      if (v instanceof Graph) return { name, type: 5, g: v.proto() };
      if ('floats' in v) return { name, type: 6, floats: v.floats };
      return { name, type: 4, t: v.tensor };
    });
    this.nodes.push({ opType, input: inputs, output: out, name: this.fresh(`n_${opType}`), attribute });
    return out;
  }

  proto(): onnxProto.onnx.IGraphProto {
    return {
      name: this.name,
      node: this.nodes,
      initializer: this.inits,
      input: this.inputs,
      output: this.outputs,
    };
  }

  /** Serialises as an opset-17 model. */
  toBytes(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'sightline-tiny',
      opsetImport: [{ domain: '', version: 17 }],
      graph: this.proto(),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

// --- small layer helpers shared by the tiny models ---

export function linear(g: Graph, x: string, dIn: number, dOut: number, bias = true): string {
  const scale = 1 / Math.sqrt(dIn);
  const y = g.op('MatMul', [x, g.weight([dIn, dOut], scale)]);
  return bias ? g.op('Add', [y, g.weight([dOut], 0.02)]) : y;
}

export function layerNorm(g: Graph, x: string, d: number): string {
  return g.op(
    'LayerNormalization',
    [x, g.floats(new Array(d).fill(1), [d]), g.floats(new Array(d).fill(0), [d])],
    {
      axis: -1,
      epsilon: 1e-5,
    },
  );
}

/** [B, T, H*hd] → [B, H, T, hd] */
export function splitHeads(g: Graph, x: string, heads: number, headDim: number): string {
  return g.op('Transpose', [g.op('Reshape', [x, g.ints([0, 0, heads, headDim])])], { perm: [0, 2, 1, 3] });
}

/** [B, H, T, hd] → [B, T, H*hd] */
export function mergeHeads(g: Graph, x: string, d: number): string {
  return g.op('Reshape', [g.op('Transpose', [x], { perm: [0, 2, 1, 3] }), g.ints([0, 0, d])]);
}

/**
 * Grouped-query attention's key/value sharing: [B, kvHeads, T, hd] → [B, kvHeads·groups, T, hd],
 * each KV head repeated for `groups` consecutive query heads (transformers' `repeat_kv`).
 */
export function repeatKv(g: Graph, x: string, kvHeads: number, groups: number, headDim: number): string {
  if (groups === 1) return x;
  const one = g.op('Unsqueeze', [x, g.ints([2])]);
  const copies = g.op('Concat', new Array<string>(groups).fill(one), { axis: 2 });
  return g.op('Reshape', [copies, g.ints([0, kvHeads * groups, -1, headDim])]);
}

/** softmax(q·kᵀ/√hd + bias)·v, where `allowed` (bool, broadcastable to the scores) masks keys. */
export function attention(
  g: Graph,
  q: string,
  k: string,
  v: string,
  headDim: number,
  allowed?: string,
): string {
  let scores = g.op('Mul', [
    g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 1, 3, 2] })]),
    g.floats([1 / Math.sqrt(headDim)], []),
  ]);
  if (allowed) scores = g.op('Where', [allowed, scores, g.floats([-1e9], [])]);
  return g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), v]);
}

/** Dimension `axis` of `x` as a 1-element int64 tensor. */
export function dim(g: Graph, x: string, axis: number): string {
  return g.op('Shape', [x], { start: axis, end: axis + 1 });
}

/** A 1-element tensor to a scalar. */
export function scalar(g: Graph, x: string): string {
  return g.op('Squeeze', [x, g.ints([0])]);
}

/** A boundary input `x` declared as `type`, cast to the float32 the tiny graphs compute in. */
export function toFloat32(g: Graph, x: string, type: FloatDType): string {
  return type === 'float32' ? x : g.op('Cast', [x], { to: DATA_TYPE.float32 });
}

/** A float32 value cast to `type`, for a boundary output declared as `type`. */
export function fromFloat32(g: Graph, x: string, type: FloatDType): string {
  return type === 'float32' ? x : g.op('Cast', [x], { to: DATA_TYPE[type] });
}

/**
 * A decoder step's positions and causal mask, after a KV cache: `positions` (int64 [T])
 * are the new tokens' absolute positions, from the cache length on (axis 2 of `pastKey`,
 * [B, heads, past, hd]; T is axis 1 of `tokens`); `allowed` (bool [T, past + T]) lets the
 * query at absolute position p see the keys at positions ≤ p.
 */
export function causalMask(
  g: Graph,
  pastKey: string,
  tokens: string,
): { positions: string; allowed: string } {
  const pastLen = scalar(g, dim(g, pastKey, 2));
  const total = g.op('Add', [pastLen, scalar(g, dim(g, tokens, 1))]);
  const one = g.ints([1], []);
  const positions = g.op('Range', [pastLen, total, one]);
  const keys = g.op('Range', [g.ints([0], []), total, one]);
  const allowed = g.op('LessOrEqual', [
    g.op('Unsqueeze', [keys, g.ints([0])]),
    g.op('Unsqueeze', [positions, g.ints([1])]),
  ]);
  return { positions, allowed };
}

/** The residual feed-forward block of both tiny decoders: h + W₂·tanh(W₁·LayerNorm(h)), width 2d. */
export function residualMlp(g: Graph, h: string, d: number): string {
  return g.op('Add', [h, linear(g, g.op('Tanh', [linear(g, layerNorm(g, h, d), d, 2 * d)]), 2 * d, d)]);
}

/** GELU, erf form (onnxruntime fuses the pattern into one kernel). */
export function gelu(g: Graph, x: string): string {
  const erf = g.op('Erf', [g.op('Mul', [x, g.floats([Math.SQRT1_2], [])])]);
  return g.op('Mul', [g.op('Mul', [x, g.floats([0.5], [])]), g.op('Add', [erf, g.floats([1], [])])]);
}

/** A pre-LN transformer encoder layer (Whisper, SigLIP): self-attention, then a GELU MLP of width `ffn`. */
export function encoderLayer(g: Graph, h: string, d: number, heads: number, ffn: number): string {
  const hd = d / heads;
  const n = layerNorm(g, h, d);
  const q = splitHeads(g, linear(g, n, d, d), heads, hd);
  const k = splitHeads(g, linear(g, n, d, d, false), heads, hd);
  const v = splitHeads(g, linear(g, n, d, d), heads, hd);
  const a = g.op('Add', [h, linear(g, mergeHeads(g, attention(g, q, k, v, hd), d), d, d)]);
  return geluMlp(g, a, d, ffn);
}

/** The residual feed-forward block of Whisper and SigLIP: h + W₂·gelu(W₁·LayerNorm(h)), width `ffn`. */
export function geluMlp(g: Graph, h: string, d: number, ffn: number): string {
  return g.op('Add', [h, linear(g, gelu(g, linear(g, layerNorm(g, h, d), d, ffn)), ffn, d)]);
}

/** A residual gated MLP (Llama's SwiGLU): h + W_down·(SiLU(W_gate·n) ⊙ W_up·n), n = norm(h). */
export function gatedMlp(g: Graph, h: string, d: number, ffn: number): string {
  const n = layerNorm(g, h, d);
  const gate = linear(g, n, d, ffn, false);
  const silu = g.op('Mul', [gate, g.op('Sigmoid', [gate])]);
  return g.op('Add', [h, linear(g, g.op('Mul', [silu, linear(g, n, d, ffn, false)]), ffn, d, false)]);
}
