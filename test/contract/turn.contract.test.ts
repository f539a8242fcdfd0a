import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PcmChunk } from '../../core/media.js';
import type { TurnDetector } from '../../models/roles/turn.js';
import { SmartTurn } from '../../models/turn/smartTurn.js';
import { FakeTurnDetector } from '../../pipelines/testing/fakes/fakeTurnDetector.js';
import { LIBRIVOX_WAV, read16k } from '../helpers/audio.js';
import { tinyModelDir } from '../helpers/tinyModels.js';

/** Smart Turn v3 on a tiny-random model with the real contract, and the fake (louder end, more complete). */
const implementations: [string, () => Promise<TurnDetector>][] = [
  ['smart-turn', () => SmartTurn.load(join(tinyModelDir('smart-turn'), 'smart-turn-v3.2-cpu.onnx'))],
  [
    'fake',
    async () =>
      new FakeTurnDetector({
        probability: (a) => Math.min(1, Math.abs(a.samples.at(-1) ?? 0) / 8000),
      }),
  ],
];

const pcm = (samples: Int16Array, sampleRateHz = 16000): PcmChunk => ({ samples, sampleRateHz, ptsMs: 0 });
let speech: Int16Array;
beforeAll(() => {
  speech = Int16Array.from(read16k(LIBRIVOX_WAV).subarray(0, 3 * 16000), (v) => Math.round(v * 32767));
});

describe.each(implementations)('turn detection role contract: %s', (_name, load) => {
  let turn: TurnDetector;
  beforeAll(async () => {
    turn = await load();
  });
  afterAll(() => turn.dispose());

  it('answers a probability, complete exactly when it is above the threshold, the same for the same audio', async () => {
    const a = await turn.predictEndOfTurn(pcm(speech));
    expect(a.probability).toBeGreaterThanOrEqual(0);
    expect(a.probability).toBeLessThanOrEqual(1);
    expect(a.complete).toBe(a.probability > turn.threshold);
    expect(await turn.predictEndOfTurn(pcm(speech))).toEqual(a);
  });

  it('calls empty audio an incomplete turn', async () => {
    expect(await turn.predictEndOfTurn(pcm(new Int16Array(0)))).toEqual({ probability: 0, complete: false });
  });

  it('refuses audio at another rate', async () => {
    await expect(turn.predictEndOfTurn(pcm(speech, 48000))).rejects.toMatchObject({
      code: 'ERR_MODEL_INPUT',
    });
  });

  it('rejects with ERR_ABORTED when aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(turn.predictEndOfTurn(pcm(speech), { signal: ac.signal })).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
  });
});
