import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SMART_TURN_LAYOUT } from '../turn/smartTurn.js';
import { Graph, linear } from './onnxGraph.js';

const MELS = 80;
const FRAMES = 800;
const HIDDEN = 8;

/**
 * A Smart Turn v3-shaped model: `input_features f32[batch_size,80,800]` →
 * `logits f32[batch_size,1]`, a sigmoid probability. Every frame of every mel
 * reaches the output (a per-frame projection, tanh, mean over time), so
 * what the runner puts in each frame matters.
 */
export function writeSmartTurnTiny(dir: string, seed = 31): void {
  const g = new Graph('smart_turn_tiny', seed);
  g.input(SMART_TURN_LAYOUT.input, 'float32', ['batch_size', MELS, FRAMES]);
  const frames = g.op('Transpose', [SMART_TURN_LAYOUT.input], { perm: [0, 2, 1] });
  const h = g.op('Tanh', [linear(g, frames, MELS, HIDDEN)]);
  const pooled = g.op('ReduceMean', [h], { axes: [1], keepdims: 0 });
  const prob = g.op('Sigmoid', [g.op('Mul', [linear(g, pooled, HIDDEN, 1), g.floats([4], [])])]);
  g.output(SMART_TURN_LAYOUT.output, 'float32', ['batch_size', 1], prob);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, SMART_TURN_LAYOUT.file), g.toBytes());
}
