import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import type { AudioFrame } from '../../../../core/media.js';
import { fillIdle } from '../../../../pipelines/listen/idleFill.js';
import { listener } from '../../../../pipelines/listen/listener.js';
import { FakeStt } from '../../../../pipelines/testing/fakes/fakeStt.js';
import { FakeVad } from '../../../../pipelines/testing/fakes/fakeVad.js';
import { runStage, type ScriptedItem } from '../../../../pipelines/testing/harness.js';
import { hush, talk, tapFrames } from './listenScript.js';

/** Speech, then the microphone stops sending; one late frame keeps the input open until `resumeAtMs`. */
function micStops(resumeAtMs: number, resumed: Partial<AudioFrame> = {}): ScriptedItem<AudioFrame>[] {
  const frames = tapFrames([hush(300), talk(1000)]);
  const last = frames.at(-1)?.item as AudioFrame;
  const late: AudioFrame = {
    ...last,
    samples: new Int16Array(last.samples.length),
    ptsMs: resumeAtMs - 20,
    receivedAtMs: resumeAtMs,
    ...resumed,
  };
  return [...frames, { atMs: resumeAtMs, item: late }];
}

describe('fillIdle: a microphone that stops sending', () => {
  it('still ends the turn by silence (not only when the input ends)', async () => {
    const clock = new ManualClock(0);
    const run = await runStage(
      listener({ vad: new FakeVad({ clock, windowMs: 20 }), stt: new FakeStt({ clock }) }),
      micStops(8000),
      { clock },
    );
    const end = run.outputs.find((o) => o.item.type === 'end-of-turn');
    expect(end?.item).toMatchObject({ type: 'end-of-turn', reason: 'silence', speechEndMs: 1300 });
    // 1 s without frames, then 500 ms of filled silence: decided long before the input resumes.
    expect(end?.atMs).toBeLessThan(3000);
    expect(run.outputs.some((o) => o.item.type === 'transcript' && o.item.final)).toBe(true);
  });

  it('forwards a continuous microphone untouched', async () => {
    const clock = new ManualClock(0);
    const frames = tapFrames([hush(300), talk(600), hush(800)]);
    const run = await runStage(
      (input, ctx) => fillIdle(input, { clock: ctx.clock, signal: ctx.signal }),
      frames,
      {
        clock,
      },
    );
    expect(run.outputs.map((o) => o.item)).toEqual(frames.map((f) => f.item));
  });

  it('continues the timeline at the clock pace, drops the tap’s own fill of the same gap, and re-anchors overlapping audio', async () => {
    const clock = new ManualClock(0);
    const frames = tapFrames([talk(200)]);
    const last = frames.at(-1)?.item as AudioFrame;
    const n = last.samples.length;
    const tapFill: AudioFrame = {
      ...last,
      ptsMs: 200,
      samples: new Int16Array(n),
      filledSamples: n,
      receivedAtMs: 2000,
    };
    const speech: AudioFrame = { ...last, ptsMs: 1500, filledSamples: 0, receivedAtMs: 2000 };
    const run = await runStage(
      (input, ctx) => fillIdle(input, { clock: ctx.clock, signal: ctx.signal, idleMs: 500 }),
      [...frames, { atMs: 2000, item: tapFill }, { atMs: 2000, item: speech }],
      { clock },
    );
    const out = run.outputs.map((o) => o.item);
    const filled = out.filter((f) => f.filledSamples === n && f.ptsMs >= 200);
    expect(filled.length).toBeGreaterThanOrEqual(80); // ~1.8 s of gap at 20 ms a frame
    for (let i = 1; i < filled.length; i++) {
      expect((filled[i] as AudioFrame).ptsMs - (filled[i - 1] as AudioFrame).ptsMs).toBe(20);
    }
    expect(out).not.toContain(tapFill);
    expect(out.at(-1)).toMatchObject({ ptsMs: 1500, reanchored: true });
  });
});
