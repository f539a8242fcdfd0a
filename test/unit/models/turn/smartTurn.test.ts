import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogMelExtractor } from '../../../../models/audio/logMel.js';
import { SMART_TURN_FEATURES, SmartTurn, smartTurnWindow } from '../../../../models/turn/smartTurn.js';
import { LIBRIVOX_WAV, read16k, whiteNoise } from '../../../helpers/audio.js';
import { whisperFeatureOracle } from '../../../helpers/oracles.js';
import { tinyModelDir } from '../../../helpers/tinyModels.js';

const WINDOW = 8 * 16000;

/** Largest absolute difference (a number, so a failure prints one value, not a 128,000-element diff). */
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}
let turn: SmartTurn;
let speech: Float32Array;
beforeAll(async () => {
  turn = await SmartTurn.load(join(tinyModelDir('smart-turn'), 'smart-turn-v3.2-cpu.onnx'));
  // Read speech, repeated to 10 s so that it fills the window.
  const once = read16k(LIBRIVOX_WAV);
  speech = Float32Array.from({ length: 10 * 16000 }, (_, i) => once[i % once.length] as number);
});
afterAll(() => turn.dispose());

describe('smartTurnWindow: the 8 s the model hears', () => {
  it('keeps the last 8 s, zero-pads shorter audio at the front, then normalises over the window', () => {
    const short = Float32Array.from({ length: 16000 }, (_, i) => (i % 2 ? 0.5 : -0.25));
    const w = smartTurnWindow(short);
    expect(w.length).toBe(WINDOW);
    // Built by hand: 112,000 zeros then the clip; mean and population variance over all 128,000.
    const mean = (8000 * 0.5 - 8000 * 0.25) / WINDOW;
    const variance = (8000 * 0.25 + 8000 * 0.0625) / WINDOW - mean * mean;
    const s = 1 / Math.sqrt(variance + 1e-7);
    expect(w[0]).toBeCloseTo((0 - mean) * s, 5);
    expect(w[WINDOW - 16000]).toBeCloseTo((-0.25 - mean) * s, 5);
    expect(w[WINDOW - 1]).toBeCloseTo((0.5 - mean) * s, 5);
    const long = whiteNoise(10_000, 0.3, 7);
    expect(maxAbsDiff(smartTurnWindow(long), smartTurnWindow(long.subarray(2 * 16000)))).toBe(0);
  });

  it('computes the 80 × 800 log-mel as transformers.js WhisperFeatureExtractor does for chunk_length 8', async () => {
    const oracle = whisperFeatureOracle();
    Object.assign(oracle.config, { chunk_length: 8, n_samples: WINDOW, nb_max_frames: 800 });
    const window = smartTurnWindow(speech.subarray(0, 5 * 16000));
    const ref = (await oracle(window)).input_features;
    expect(ref.dims).toEqual([1, 80, 800]);
    const ours = new LogMelExtractor(SMART_TURN_FEATURES).compute(window);
    let d = 0;
    for (let i = 0; i < ours.length; i++)
      d = Math.max(d, Math.abs((ours[i] as number) - (ref.data[i] as number)));
    // Measured 1.2e-7.
    expect(d).toBeLessThan(1e-6);
    expect(maxAbsDiff(turn.features(speech.subarray(0, 5 * 16000)), ours)).toBe(0);
  });
});

describe('SmartTurn on a tiny-random model with the real contract', () => {
  it('hears only the last 8 s: what came before does not change the answer, the end does', async () => {
    const tail = speech.subarray(speech.length - WINDOW);
    const withMore = new Float32Array(WINDOW + 3 * 16000);
    withMore.set(whiteNoise(3000, 0.5, 3));
    withMore.set(tail, 3 * 16000);
    const [a] = await turn.predict([tail]);
    const [b] = await turn.predict([withMore]);
    expect(b).toBe(a);
    const changedEnd = Float32Array.from(tail);
    changedEnd.fill(0, WINDOW - 16000);
    const [c] = await turn.predict([changedEnd]);
    expect(c).not.toBe(a);
  });

  it('scores a batch as it scores each clip alone', async () => {
    const clips = [speech.subarray(0, 16000 * 2), speech.subarray(16000, 16000 * 9), whiteNoise(500, 0.1, 9)];
    const batch = await turn.predict(clips);
    const single = await Promise.all(clips.map(async (c) => (await turn.predict([c]))[0] as number));
    batch.forEach((p, i) => {
      expect(p).toBeCloseTo(single[i] as number, 6);
    });
  });

  it('refuses a model without the Smart Turn input at load', async () => {
    await expect(SmartTurn.load(join(tinyModelDir('kokoro'), 'onnx', 'model.onnx'))).rejects.toMatchObject({
      code: 'ERR_MODEL_LOAD',
    });
  });
});
