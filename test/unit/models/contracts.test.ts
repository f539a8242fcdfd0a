import { describe, expect, it } from 'vitest';
import {
  assertMatchesRecord,
  compareToRecord,
  expandRecords,
  loadContract,
  MODEL_FAMILIES,
  type SessionSignature,
  sessionRecord,
} from '../../../models/contracts/contract.js';

/** A signature exactly as the record describes it, `=name` sizes taken from `sizes`. */
function signatureFromRecord(
  family: 'whisper',
  session: string,
  layers: number,
  sizes: Record<string, number>,
) {
  const record = sessionRecord(family, session);
  const toSig = (t: { name: string; dtype: string; shape: (number | string)[] }) => ({
    name: t.name,
    type: t.dtype,
    shape: t.shape.map((a) =>
      typeof a === 'number' ? a : a.startsWith('=') ? (sizes[a.slice(1)] as number) : a === '?' ? 7 : a,
    ),
  });
  return {
    inputs: expandRecords(record.inputs, layers)
      .filter((t) => !t.optional)
      .map(toSig),
    outputs: expandRecords(record.outputs, layers)
      .filter((t) => !t.optional)
      .map(toSig),
  } satisfies SessionSignature;
}

const SIZES = { heads: 6, head_dim: 64, d_model: 384, vocab_size: 51865, num_mel_bins: 80 };

describe('recorded contracts', () => {
  it('every family record loads, names its sources and has sessions with inputs and outputs', () => {
    expect(MODEL_FAMILIES.sort()).toEqual([
      'kokoro',
      'piper',
      'ppocr',
      'siglip',
      'silero-vad',
      'smart-turn',
      'smolvlm',
      'whisper',
    ]);
    for (const family of MODEL_FAMILIES) {
      const c = loadContract(family);
      expect(c.sources.length).toBeGreaterThan(0);
      for (const s of c.sessions) expect(s.inputs.length * s.outputs.length).toBeGreaterThan(0);
    }
  });

  it('expands per-layer names from {i}', () => {
    const names = expandRecords(sessionRecord('whisper', 'decoder_model_merged').inputs, 2).map(
      (t) => t.name,
    );
    expect(names.filter((n) => n.startsWith('past_key_values.'))).toEqual([
      'past_key_values.0.decoder.key',
      'past_key_values.1.decoder.key',
      'past_key_values.0.decoder.value',
      'past_key_values.1.decoder.value',
      'past_key_values.0.encoder.key',
      'past_key_values.1.encoder.key',
      'past_key_values.0.encoder.value',
      'past_key_values.1.encoder.value',
    ]);
  });
});

describe('compareToRecord', () => {
  const record = sessionRecord('whisper', 'decoder_model_merged');

  it('accepts a session exactly as recorded, with or without the optional outputs, at any layer count', () => {
    expect(compareToRecord(record, signatureFromRecord('whisper', 'decoder_model_merged', 4, SIZES))).toEqual(
      [],
    );
    const withAttentions = signatureFromRecord('whisper', 'decoder_model_merged', 4, SIZES);
    withAttentions.outputs.push({ name: 'cross_attentions.0', type: 'float32', shape: ['b', 6, 'd', 'e'] });
    withAttentions.outputs.push({ name: 'cross_attentions.1', type: 'float32', shape: ['b', 6, 'd', 'e'] });
    withAttentions.outputs.push({ name: 'cross_attentions.2', type: 'float32', shape: ['b', 6, 'd', 'e'] });
    withAttentions.outputs.push({ name: 'cross_attentions.3', type: 'float32', shape: ['b', 6, 'd', 'e'] });
    expect(compareToRecord(record, withAttentions)).toEqual([]);
  });

  it('reports every difference, one line each, in one error', () => {
    const sig = signatureFromRecord('whisper', 'decoder_model_merged', 2, SIZES);
    const input = (name: string) =>
      sig.inputs.find((t) => t.name === name) as { type: string; shape: (number | string)[] };
    sig.inputs = sig.inputs.filter((t) => t.name !== 'past_key_values.1.encoder.value'); // missing layer entry
    input('use_cache_branch').type = 'int64'; // dtype
    input('input_ids').shape = ['batch_size']; // rank
    input('past_key_values.0.encoder.key').shape[2] = 1500; // symbolic axis made fixed
    input('past_key_values.0.decoder.key').shape[0] = 1; // batch axis made fixed
    input('past_key_values.1.decoder.value').shape[1] = 3; // heads disagree within the session
    sig.outputs.push({ name: 'present.0.extra', type: 'float32', shape: [] }); // unrecorded name
    const problems = compareToRecord(record, sig);
    expect(problems).toEqual([
      'input input_ids: rank 1 [batch_size], recorded 2',
      'input past_key_values.0.decoder.key: axis 0 is fixed 1, recorded symbolic (batch_size)',
      'input past_key_values.1.decoder.value: axis 1 is 3 but input past_key_values.0.decoder.key: axis 1 is 6; both are heads',
      'input past_key_values.0.encoder.key: axis 2 is fixed 1500, recorded symbolic (encoder_sequence_length_out)',
      'input past_key_values.1.encoder.value is missing',
      'input use_cache_branch: dtype int64, recorded bool',
      'output present.0.extra is not in the record',
    ]);
    expect(() => assertMatchesRecord('whisper', 'decoder_model_merged', sig, { layers: 2 })).toThrow(
      expect.objectContaining({
        code: 'ERR_MODEL_LOAD',
        message: expect.stringContaining(problems.join('\n  ')),
      }) as Error,
    );
  });

  it('checks recorded fixed sizes and finds a missing layer when the count is given', () => {
    const sig = signatureFromRecord('whisper', 'decoder_model_merged', 2, SIZES);
    (sig.inputs.find((t) => t.name === 'use_cache_branch') as { shape: (number | string)[] }).shape = [2];
    expect(compareToRecord(record, sig, { layers: 3 })).toEqual(
      expect.arrayContaining([
        'input use_cache_branch: axis 0 is 2, recorded 1',
        'input past_key_values.2.decoder.key is missing',
      ]),
    );
    expect(compareToRecord(record, { inputs: [], outputs: [] })).toContain(
      'no per-layer tensors ({i}) found',
    );
  });
});
