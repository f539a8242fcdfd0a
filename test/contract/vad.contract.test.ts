import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PcmChunk } from '../../core/media.js';
import { SileroVadRole } from '../../models/roles/sileroVadRole.js';
import type { SpeechProbability, Vad, VadStream } from '../../models/roles/vad.js';
import { FakeVad } from '../../pipelines/testing/fakes/fakeVad.js';
import { LIBRIVOX_WAV, read16k } from '../helpers/audio.js';

/** The real Silero v5 from the npm package, and the fake's energy rule. */
const implementations: [string, () => Promise<Vad>][] = [
  ['silero-vad', () => SileroVadRole.load()],
  ['fake', async () => new FakeVad()],
];

let speech: Int16Array;
beforeAll(() => {
  speech = Int16Array.from(read16k(LIBRIVOX_WAV), (v) => Math.round(v * 32767));
});

/** Feeds `samples` in chunks of `chunkSamples`, the first at `startMs`. */
async function feed(
  stream: VadStream,
  samples: Int16Array,
  chunkSamples: number,
  startMs = 0,
): Promise<SpeechProbability[]> {
  const out: SpeechProbability[] = [];
  for (let at = 0; at < samples.length; at += chunkSamples) {
    const chunk: PcmChunk = {
      samples: samples.subarray(at, at + chunkSamples),
      sampleRateHz: 16000,
      ptsMs: startMs + (at * 1000) / 16000,
    };
    out.push(...(await stream.process(chunk)));
  }
  return out;
}

describe.each(implementations)('VAD role contract: %s', (_name, load) => {
  let vad: Vad;
  beforeAll(async () => {
    vad = await load();
  });
  afterAll(() => vad.dispose());

  it('scores read speech as speech and silence as not', async () => {
    const s = vad.createStream();
    const onSpeech = await feed(s, speech, 320);
    expect(onSpeech.filter((w) => w.probability > 0.5).length / onSpeech.length).toBeGreaterThan(0.5);
    s.reset();
    const onSilence = await feed(s, new Int16Array(16000), 320);
    expect(onSilence.every((w) => w.probability < 0.5)).toBe(true);
  });

  it('gives one verdict per window, on a contiguous timeline from the first chunk, whatever the chunking', async () => {
    const a = await feed(vad.createStream(), speech.subarray(0, 16000), 320, 5000);
    const b = await feed(vad.createStream(), speech.subarray(0, 16000), 1700, 5000);
    const windowSamples = (vad.sampleRateHz * vad.windowMs) / 1000;
    expect(a).toHaveLength(Math.floor(16000 / windowSamples));
    a.forEach((w, i) => {
      expect(w.ptsMs).toBeCloseTo(5000 + i * vad.windowMs, 6);
      expect(w.durationMs).toBe(vad.windowMs);
    });
    expect(b).toEqual(a);
  });

  it('takes window times from the chunk they complete in, so a re-anchored timeline stays true', async () => {
    const s = vad.createStream();
    const windowSamples = (vad.sampleRateHz * vad.windowMs) / 1000;
    await s.process({ samples: speech.subarray(0, windowSamples / 2), sampleRateHz: 16000, ptsMs: 0 });
    // The next chunk says it starts at 10 s (a gap): the window it completes ends half a window into it.
    const [w] = await s.process({
      samples: speech.subarray(windowSamples / 2, windowSamples * 2),
      sampleRateHz: 16000,
      ptsMs: 10_000,
    });
    expect(w?.ptsMs).toBeCloseTo(10_000 + vad.windowMs / 2 - vad.windowMs, 6);
  });

  it('after reset scores exactly as a fresh stream', async () => {
    const s = vad.createStream();
    const fresh = await feed(s, speech.subarray(0, 8000), 512);
    await feed(s, speech.subarray(8000, 20000), 333);
    s.reset();
    expect(await feed(s, speech.subarray(0, 8000), 512)).toEqual(fresh);
  });

  it('refuses audio at another rate and stops on abort', async () => {
    const s = vad.createStream();
    await expect(s.process({ samples: speech, sampleRateHz: 48000, ptsMs: 0 })).rejects.toMatchObject({
      code: 'ERR_MODEL_INPUT',
    });
    const ac = new AbortController();
    ac.abort();
    await expect(
      s.process({ samples: speech.subarray(0, 4096), sampleRateHz: 16000, ptsMs: 0 }, ac.signal),
    ).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });
});
