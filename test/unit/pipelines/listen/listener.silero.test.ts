import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../../core/clock.js';
import { silentLogger } from '../../../../core/log.js';
import type { AudioFrame } from '../../../../core/media.js';
import { SileroVadRole } from '../../../../models/roles/sileroVadRole.js';
import { MemoryMetrics } from '../../../../pipelines/core/metrics.js';
import type { ListenEvent } from '../../../../pipelines/listen/events.js';
import { listener } from '../../../../pipelines/listen/listener.js';
import { FakeStt } from '../../../../pipelines/testing/fakes/fakeStt.js';
import { read16k } from '../../../helpers/audio.js';
import { SPEECH_SCRIPT, speechWav } from '../../../helpers/fixtures.js';
import { activity, rmsEnvelope } from '../../../helpers/signal.js';

let vad: SileroVadRole;
beforeAll(async () => {
  vad = await SileroVadRole.load();
});
afterAll(() => vad.dispose());

/** 20 ms tap frames of 16 kHz samples, from 0. */
function* frames(samples: Float32Array): Generator<AudioFrame> {
  for (let at = 0, i = 0; at + 320 <= samples.length; at += 320, i++) {
    yield {
      samples: Int16Array.from(samples.subarray(at, at + 320), (v) => Math.round(v * 32767)),
      sampleRateHz: 16000,
      ptsMs: i * 20,
      durationMs: 20,
      filledSamples: 0,
      receivedAtMs: i * 20 + 20,
      reanchored: false,
    };
  }
}

async function* from<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

describe('listener on the real Silero VAD (espeak-ng speech fixture)', () => {
  it('finds one turn per phrase, each starting at the phrase and with its own final', async () => {
    const samples = read16k(speechWav());
    // The phrases' true onsets and ends, from the signal's own energy in 10 ms bins.
    const act = activity(rmsEnvelope(samples, 16000, 10), 0.01, 30);
    const onsetsMs: number[] = [];
    const endsMs: number[] = [];
    act.forEach((on, i) => {
      if (on && !act[i - 1]) onsetsMs.push(i * 10);
      if (!on && act[i - 1]) endsMs.push(i * 10);
    });
    expect(onsetsMs).toHaveLength(SPEECH_SCRIPT.length);

    const stt = new FakeStt({ transcript: (u) => `${Math.round(u.samples.length / 16)} ms` });
    const events: ListenEvent[] = [];
    const ctx = {
      signal: new AbortController().signal,
      clock: systemClock,
      log: silentLogger,
      metrics: new MemoryMetrics(),
    };
    for await (const e of listener({ vad, stt })(from(frames(samples)), ctx)) events.push(e);

    const started = events.filter((e) => e.type === 'speech-started');
    const ended = events.filter((e) => e.type === 'end-of-turn');
    const finals = events.filter((e) => e.type === 'transcript' && e.final);
    expect(ended.map((e) => e.reason)).toEqual(['silence', 'silence', 'silence']);
    expect(finals).toHaveLength(3);
    const offsets = ended.map((e, i) => [
      e.turnStartMs - (onsetsMs[i] as number),
      e.speechEndMs - (endsMs[i] as number),
    ]);
    for (const [onsetOffMs, endOffMs] of offsets) {
      // Each turn starts at its phrase (Silero's onset within 100 ms of the energy onset)...
      expect(Math.abs(onsetOffMs as number)).toBeLessThanOrEqual(100);
      // ...and its speech ends with the phrase (Silero holds on a little after the last sound).
      expect(endOffMs).toBeGreaterThanOrEqual(-100);
      expect(endOffMs).toBeLessThanOrEqual(250);
    }
    expect(started.length).toBeGreaterThanOrEqual(3);
    expect(ctx.metrics.ofType('vad').length).toBeGreaterThan(0);
  });
});
