import { describe, expect, it } from 'vitest';
import { LogMelExtractor } from '../../../../models/audio/logMel.js';
import { LIBRIVOX_WAV, read16k, sine, whiteNoise } from '../../../helpers/audio.js';
import { whisperFeatureOracle } from '../../../helpers/oracles.js';

/** transformers.js's Whisper feature extractor: the reference implementation (dev dependency only). */
const oracle = whisperFeatureOracle();

async function maxDiff(audio: Float32Array): Promise<number> {
  const ref = (await oracle(audio)).input_features;
  expect(ref.dims).toEqual([1, 80, 3000]);
  const ours = new LogMelExtractor().compute(audio);
  expect(ours.length).toBe(80 * 3000);
  let d = 0;
  for (let i = 0; i < ours.length; i++)
    d = Math.max(d, Math.abs((ours[i] as number) - (ref.data[i] as number)));
  return d;
}

/** Measured: at most 1.2e-7 (one float32 step near 1) on every input below; the bound is 8× that. */
const TOLERANCE = 1e-6;

describe('LogMelExtractor vs transformers.js WhisperFeatureExtractor', () => {
  it('matches on real speech (7 s, padded to 30 s)', async () => {
    expect(await maxDiff(read16k(LIBRIVOX_WAV))).toBeLessThan(TOLERANCE);
  });

  it('matches on a full 30 s, on audio longer than 30 s (cut), on tones, noise and near-silence', async () => {
    const speech = read16k(LIBRIVOX_WAV);
    const long = Float32Array.from({ length: 16000 * 35 }, (_, i) => speech[i % speech.length] as number);
    expect(await maxDiff(long)).toBeLessThan(TOLERANCE);
    expect(await maxDiff(sine(1000, 2000, 0.3))).toBeLessThan(TOLERANCE);
    expect(await maxDiff(whiteNoise(5000, 0.05))).toBeLessThan(TOLERANCE);
    expect(await maxDiff(new Float32Array(300))).toBeLessThan(TOLERANCE);
  });
});
