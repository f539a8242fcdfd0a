import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import type { AudioFrame } from '../../../../core/media.js';
import { createVadStage, type VadVerdict } from '../../../../pipelines/listen/vadStage.js';
import { FakeVad } from '../../../../pipelines/testing/fakes/fakeVad.js';
import { runStage, type ScriptedItem } from '../../../../pipelines/testing/harness.js';
import { hush, type Track, talk, tapFrames } from './listenScript.js';

async function verdicts(vad: FakeVad, input: ScriptedItem<AudioFrame>[], clock = new ManualClock(0)) {
  const run = await runStage(createVadStage(vad, { metricsIntervalMs: 500 }), input, { clock });
  expect(run.error).toBeUndefined();
  return { run, out: run.outputs.map((o) => o.item) };
}

const speechMs = (out: VadVerdict[]) =>
  out.filter((v) => v.probability >= 0.5).reduce((s, v) => s + v.durationMs, 0);

describe('createVadStage', () => {
  it('scores 32 ms windows across 20 ms frames, on the frames’ timeline', async () => {
    const track: Track = [hush(320), talk(640), hush(320)];
    const { out } = await verdicts(new FakeVad(), tapFrames(track, { offsetMs: 1000 }));
    expect(out).toHaveLength(40);
    expect(out.slice(0, 2)).toEqual([
      { ptsMs: 1000, durationMs: 32, probability: 0.05 },
      { ptsMs: 1032, durationMs: 32, probability: 0.05 },
    ]);
    expect(out.filter((v) => v.probability > 0.5).map((v) => v.ptsMs)).toEqual(
      Array.from({ length: 20 }, (_, i) => 1320 + i * 32),
    );
  });

  it('resets the VAD stream where the timeline re-anchors and marks the first verdict after it', async () => {
    const scored: number[] = [];
    const vad = new FakeVad({
      probability: (_w, ptsMs) => {
        scored.push(ptsMs);
        return 0.1;
      },
    });
    // 100 ms (three windows and 4 ms left over), then a new timeline at 5000.
    const input = [
      ...tapFrames([hush(100)]),
      ...tapFrames([hush(100)], { offsetMs: 5000, reanchorFirst: true }),
    ];
    const { out } = await verdicts(vad, input);
    // Without the reset the 4 ms left over would be joined to the new timeline's first 28 ms.
    expect(out.map((v) => [v.ptsMs, v.reanchored ?? false])).toEqual([
      [0, false],
      [32, false],
      [64, false],
      [5000, true],
      [5032, false],
      [5064, false],
    ]);
  });

  it('resamples for a VAD at another rate; the verdicts stay on the timeline', async () => {
    const vad = new FakeVad({ sampleRateHz: 8000, windowMs: 32 });
    const track: Track = [hush(640), talk(1280), hush(640)];
    const { out } = await verdicts(vad, tapFrames(track, { offsetMs: 200 }));
    expect(vad.requests.length).toBeGreaterThan(0);
    expect(out).toHaveLength(80);
    expect(out[0]?.ptsMs).toBe(200);
    const speech = out.filter((v) => v.probability > 0.5);
    // The resampler's filter smears each edge by a few ms: at most one window either side.
    expect(speech[0]?.ptsMs).toBeGreaterThanOrEqual(200 + 640 - 32);
    expect(speech[0]?.ptsMs).toBeLessThanOrEqual(200 + 640);
    expect(speechMs(out)).toBeGreaterThanOrEqual(1280);
    expect(speechMs(out)).toBeLessThanOrEqual(1280 + 64);
  });

  it('reports vad metrics per interval of audio scored and for the rest at the end', async () => {
    const clock = new ManualClock(0);
    const vad = new FakeVad({ windowMs: 20, clock, firstOutputDelayMs: 2 });
    const { run } = await verdicts(vad, tapFrames([hush(1100)]), clock);
    const m = run.metrics.ofType('vad');
    expect(m.map((x) => [x.audioDurationMs, x.inferenceCount, x.inferenceDurationTotalMs])).toEqual([
      [500, 25, 50],
      [500, 25, 50],
      [100, 5, 10],
    ]);
    expect(m[0]?.label).toBe('fake-vad');
  });
});
