import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMART_TURN_LAYOUT } from '../turn/smartTurn.js';
import { encoderLayer, Graph, gelu, layerNorm, linear } from './onnxGraph.js';

const MELS = 80;
const FRAMES = 800;
const HIDDEN = 8;

/**
 * A Smart Turn v3-shaped model: `input_features f32[batch_size,80,800]` →
 * `logits f32[batch_size,1]`, a sigmoid probability. Every frame of every mel
 * reaches the output (a per-frame projection, tanh, mean over time), so
 * what the runner puts in each frame matters.
 */
export function writeSmartTurnTiny(dir: string, seed = 31, options: { realSize?: boolean } = {}): void {
  const g = options.realSize ? smartTurnRealSize(seed) : smartTurnTiny(seed);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, SMART_TURN_LAYOUT.file), g.toBytes());
}

/** Smart Turn v3's encoder size: whisper-tiny's (d 384, 4 layers, 6 heads, MLP 1536) on 8 s. */
export const SMART_TURN_REAL = { d: 384, layers: 4, heads: 6, ffn: 1536 } as const;

/**
 * A Smart Turn v3-sized model with random weights: a Whisper-tiny encoder on
 * [B, 80, 800] (two convolutions, 400 positions, 4 layers), mean pooling and a
 * linear classifier. float32, where the real file is int8 (about 8 MB).
 */
function smartTurnRealSize(seed: number): Graph {
  const { d, layers, heads, ffn } = SMART_TURN_REAL;
  const g = new Graph('smart_turn_real_size', seed);
  const x = g.input(SMART_TURN_LAYOUT.input, 'float32', ['batch_size', MELS, FRAMES]);
  const c1 = gelu(g, g.op('Conv', [x, g.weight([d, MELS, 3], 0.05), g.weight([d], 0.02)], { pads: [1, 1] }));
  const c2 = gelu(
    g,
    g.op('Conv', [c1, g.weight([d, d, 3], 0.05), g.weight([d], 0.02)], { pads: [1, 1], strides: [2] }),
  );
  let h = g.op('Add', [g.op('Transpose', [c2], { perm: [0, 2, 1] }), g.weight([FRAMES / 2, d], 0.1, 'pos')]);
  for (let i = 0; i < layers; i++) h = encoderLayer(g, h, d, heads, ffn);
  const pooled = g.op('ReduceMean', [layerNorm(g, h, d)], { axes: [1], keepdims: 0 });
  g.output(
    SMART_TURN_LAYOUT.output,
    'float32',
    ['batch_size', 1],
    g.op('Sigmoid', [linear(g, pooled, d, 1)]),
  );
  return g;
}

function smartTurnTiny(seed: number): Graph {
  const g = new Graph('smart_turn_tiny', seed);
  g.input(SMART_TURN_LAYOUT.input, 'float32', ['batch_size', MELS, FRAMES]);
  const frames = g.op('Transpose', [SMART_TURN_LAYOUT.input], { perm: [0, 2, 1] });
  const h = g.op('Tanh', [linear(g, frames, MELS, HIDDEN)]);
  const pooled = g.op('ReduceMean', [h], { axes: [1], keepdims: 0 });
  const prob = g.op('Sigmoid', [g.op('Mul', [linear(g, pooled, HIDDEN, 1), g.floats([4], [])])]);
  g.output(SMART_TURN_LAYOUT.output, 'float32', ['batch_size', 1], prob);
  return g;
}
