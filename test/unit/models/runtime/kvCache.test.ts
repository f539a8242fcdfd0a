import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheFloatType, emptyPast, nextPast, pastInputNames } from '../../../../models/runtime/kvCache.js';
import { OnnxModel } from '../../../../models/runtime/onnxModel.js';
import { type DType, Graph } from '../../../../models/tiny/onnxGraph.js';

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

/**
 * A decoder-shaped session: `input_ids`, then for each cache entry an input
 * `past_key_values.X` [batch, heads, past_sequence_length, head_dim] of `pastType`
 * and an output `present.X` of `presentType` (Identity or Cast of the input); the
 * cross-attention entries (X holds `.encoder.`) name their length
 * `encoder_sequence_length_out`, as optimum's Whisper exports do.
 */
async function decoder(
  entries: readonly string[],
  types: (entry: string) => { past: DType; present: DType } = () => ({ past: 'float32', present: 'float32' }),
): Promise<OnnxModel> {
  const g = new Graph('decoder');
  g.output('logits', 'float32', ['batch', 1], g.input('input_ids', 'float32', ['batch', 1]));
  for (const entry of entries) {
    const { past, present } = types(entry);
    const dims = [
      'batch_size',
      2,
      entry.includes('.encoder.') ? 'encoder_sequence_length_out' : 'past_sequence_length',
      4,
    ];
    const x = g.input(`past_key_values.${entry}`, past, dims);
    const y = past === present ? x : g.op('Cast', [x], { to: present === 'float16' ? 10 : 1 });
    g.output(`present.${entry}`, present, dims, y);
  }
  return OnnxModel.load('tiny-decoder', g.toBytes());
}

const models: OnnxModel[] = [];
afterAll(async () => {
  await Promise.all(models.map((m) => m.dispose()));
});
async function load(...args: Parameters<typeof decoder>): Promise<OnnxModel> {
  const m = await decoder(...args);
  models.push(m);
  return m;
}

describe('pastInputNames', () => {
  it('lists the past_key_values.* inputs in session order and nothing else', async () => {
    const m = await load(['0.decoder.key', '0.decoder.value', '0.encoder.key']);
    expect(pastInputNames(m)).toEqual([
      'past_key_values.0.decoder.key',
      'past_key_values.0.decoder.value',
      'past_key_values.0.encoder.key',
    ]);
  });
});

describe('emptyPast (the first step)', () => {
  it('shapes each entry from the session: batch on axis 0, other symbolic axes 0, fixed axes kept', async () => {
    const m = await load(['0.key', '0.encoder.key']);
    const feeds = emptyPast(m, 3);
    expect(Object.keys(feeds)).toEqual(['past_key_values.0.key', 'past_key_values.0.encoder.key']);
    expect(feeds['past_key_values.0.key']?.dims).toEqual([3, 2, 0, 4]);
    expect(feeds['past_key_values.0.encoder.key']?.dims).toEqual([3, 2, 0, 4]);
    expect(feeds['past_key_values.0.key']?.type).toBe('float32');
    expect(feeds['past_key_values.0.key']?.size).toBe(0);
  });

  it('types each entry as the session declares it, float16 included, and the session runs on them', async () => {
    const m = await load(['0.key', '0.value'], () => ({ past: 'float16', present: 'float16' }));
    const feeds = emptyPast(m, 1);
    expect(feeds['past_key_values.0.key']?.type).toBe('float16');
    const out = await m.run({
      input_ids: new ort.Tensor('float32', Float32Array.from([1]), [1, 1]),
      ...feeds,
    });
    expect(out['present.0.value']?.dims).toEqual([1, 2, 0, 4]);
    expect(out['present.0.value']?.type).toBe('float16');
  });

  it('refuses a cache the runner cannot read (float64) with ERR_MODEL_LOAD', async () => {
    const m = await load(['0.key'], () => ({ past: 'float64', present: 'float64' }));
    expect(() => emptyPast(m, 1)).toThrow(expect.objectContaining({ code: 'ERR_MODEL_LOAD' }));
  });
});

describe('cacheFloatType (checked at load)', () => {
  it('is the one type of every past and present entry', async () => {
    expect(cacheFloatType(await load(['0.key', '0.value']))).toBe('float32');
    const half = await load(['0.key', '0.value'], () => ({ past: 'float16', present: 'float16' }));
    expect(cacheFloatType(half)).toBe('float16');
  });

  it('is null for a session without a cache', async () => {
    expect(cacheFloatType(await load([]))).toBeNull();
  });

  it('refuses a present.X whose type differs from its past_key_values.X, naming both', async () => {
    const m = await load(['0.key'], () => ({ past: 'float16', present: 'float32' }));
    expect(() => cacheFloatType(m)).toThrow(
      expect.objectContaining({
        code: 'ERR_MODEL_LOAD',
        message: expect.stringContaining('past_key_values.0.key/present.0.key is float32'),
      }),
    );
  });

  it('refuses entries of different types, naming the odd one', async () => {
    const m = await load(['0.key', '1.key'], (e) =>
      e.startsWith('1.') ? { past: 'float16', present: 'float16' } : { past: 'float32', present: 'float32' },
    );
    expect(() => cacheFloatType(m)).toThrow(
      expect.objectContaining({
        code: 'ERR_MODEL_LOAD',
        message: 'tiny-decoder: past_key_values.1.key/present.1.key is float16, other cache entries float32',
      }),
    );
  });
});
