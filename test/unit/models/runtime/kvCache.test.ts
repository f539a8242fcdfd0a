import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { nextPast } from '../../../../models/runtime/kvCache.js';

const t = (v: number, len = 1) => new ort.Tensor('float32', new Float32Array(len).fill(v), [1, 1, len, 1]);

describe('nextPast (the present.* → past_key_values.* rule)', () => {
  it('maps every present.X to past_key_values.X at the first step and drops other outputs', () => {
    const out = { logits: t(9), 'present.0.decoder.key': t(1), 'present.0.encoder.key': t(2, 3) };
    const past = nextPast(out);
    expect(Object.keys(past).sort()).toEqual([
      'past_key_values.0.decoder.key',
      'past_key_values.0.encoder.key',
    ]);
    expect(past['past_key_values.0.encoder.key']).toBe(out['present.0.encoder.key']);
  });

  it('from the second step on keeps the encoder (cross-attention) entries it is given and advances the decoder ones', () => {
    const first = nextPast({ 'present.0.decoder.key': t(1), 'present.0.encoder.key': t(2, 3) });
    // optimum's cached branch: an empty placeholder [0, heads, 1, head_dim] for the encoder entries.
    const placeholder = new ort.Tensor('float32', new Float32Array(0), [0, 1, 1, 1]);
    const step = { 'present.0.decoder.key': t(5, 2), 'present.0.encoder.key': placeholder };
    const second = nextPast(step, first);
    expect(second['past_key_values.0.encoder.key']).toBe(first['past_key_values.0.encoder.key']);
    expect(second['past_key_values.0.decoder.key']).toBe(step['present.0.decoder.key']);
  });

  it('leaves decoder-only caches (SmolVLM: past_key_values.{i}.key) advancing every step', () => {
    const first = nextPast({ 'present.0.key': t(1) });
    const step = { 'present.0.key': t(2, 2) };
    expect(nextPast(step, first)['past_key_values.0.key']).toBe(step['present.0.key']);
  });
});
