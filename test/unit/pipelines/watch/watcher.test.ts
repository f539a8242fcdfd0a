import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import { silentLogger } from '../../../../core/log.js';
import type { VideoFrame } from '../../../../core/media.js';
import { MemoryMetrics } from '../../../../pipelines/core/metrics.js';
import type { Stage } from '../../../../pipelines/core/stage.js';
import { FakeOcr } from '../../../../pipelines/testing/fakes/fakeOcr.js';
import { FakeVision, type FakeVisionOptions } from '../../../../pipelines/testing/fakes/fakeVision.js';
import { runStage, type ScriptedItem } from '../../../../pipelines/testing/harness.js';
import { Watcher, type WatchOverrides } from '../../../../pipelines/watch/watcher.js';
import { frameAt, sceneCutClip, staticWebcam, stillPicture } from '../../../helpers/syntheticVideo.js';

const W = 160;
const H = 120;

/** The watcher's run as a stage (it yields nothing; the harness drives time and the input). */
const asStage =
  (watcher: Watcher): Stage<VideoFrame, never> =>
  (input, ctx) =>
    (async function* (): AsyncGenerator<never> {
      await watcher.run(input, ctx.signal);
      yield* [];
    })();

/** Each frame offered at its own pts. */
const script = (frames: Iterable<VideoFrame>): ScriptedItem<VideoFrame>[] =>
  [...frames].map((f) => ({ atMs: f.ptsMs, item: f }));

function setup(
  o: {
    vision?: FakeVisionOptions | null;
    ocr?: FakeOcr | ((clock: ManualClock) => FakeOcr);
    options?: WatchOverrides;
    speaking?: boolean;
  } = {},
) {
  const clock = new ManualClock(0);
  const vision = o.vision === null ? null : new FakeVision({ clock, firstOutputDelayMs: 700, ...o.vision });
  const ocr = typeof o.ocr === 'function' ? o.ocr(clock) : (o.ocr ?? null);
  const logLines: string[] = [];
  const watcher = new Watcher({
    vision,
    ocr,
    clock,
    log: { ...silentLogger, warn: (msg) => logLines.push(msg), child: () => silentLogger },
    metrics: new MemoryMetrics(),
    options: o.options,
  });
  watcher.setUserSpeaking(o.speaking ?? true);
  const run = (frames: Iterable<VideoFrame>, extra: { abortAtMs?: number } = {}) =>
    runStage(asStage(watcher), script(frames), { clock, stepMs: 20, maxMs: 600_000, ...extra });
  return { clock, vision, watcher, run, logLines };
}

describe('Watcher', () => {
  it('never runs two encodes at once and encodes the newest frame waiting (a slow encoder under a fast gate)', async () => {
    const { vision, watcher, run } = setup({ options: { maxFps: 5 } });
    // A new picture every 100 ms: the gate passes one every 200 ms, the encoder takes 700.
    const { frames } = sceneCutClip({ width: W, height: H, scenes: 100, sceneSeconds: 0.1, fps: 10 });
    const r = await run(frames);
    expect(r.error).toBeUndefined();
    const s = watcher.stats();
    expect(vision?.maxInFlight).toBe(1);
    expect(s.framesIn).toBe(100);
    expect(s.framesKept).toBe(50);
    expect(s.framesSuperseded).toBeGreaterThan(30);
    expect(s.framesEncoded + s.framesSuperseded).toBe(s.framesKept);
    // The encoder started every 700 ms, each time on the newest passed frame (one every 200 ms).
    const encoded = watcher.frames().map((f) => f.ptsMs);
    expect(encoded.slice(0, 4)).toEqual([0, 600, 1200, 2000]);
  });

  it('passes a heartbeat frame while nothing changes; the compressor merges it away', async () => {
    const { vision, watcher, run } = setup({ speaking: false });
    const r = await run(staticWebcam({ width: W, height: H, seconds: 20, fps: 5, movingObject: false }));
    expect(r.error).toBeUndefined();
    const s = watcher.stats();
    expect(s.framesKept).toBe(4);
    expect(vision?.requests).toHaveLength(4);
    expect(watcher.frames().map((f) => f.ptsMs)).toEqual([0]);
    expect(s).toMatchObject({ tokensKept: 64, tokensSent: 64, tokensMerged: 3 * 64, scenes: 1 });
  });

  it('over a minute of a still webcam scene keeps ≥ 70 % fewer tokens, true and monotone timestamps, grid positions', async () => {
    const { watcher, run } = setup();
    const frames = [...staticWebcam({ width: W, height: H, seconds: 60, fps: 5 })];
    const r = await run(frames);
    expect(r.error).toBeUndefined();
    const s = watcher.stats();
    expect(s.tokensMerged / (s.tokensMerged + s.tokensSent)).toBeGreaterThanOrEqual(0.7);
    // The gate passes the moving object at most once a second; a 700 ms encode keeps up.
    expect(s.framesKept).toBeGreaterThanOrEqual(40);
    expect(s.framesEncoded).toBe(s.framesKept);
    const listed = watcher.frames();
    const truth = new Map(frames.map((f) => [f.ptsMs, f]));
    let prev = Number.NEGATIVE_INFINITY;
    for (const f of listed) {
      expect(f.ptsMs).toBeGreaterThan(prev);
      prev = f.ptsMs;
      expect(f.rgb).toBe(truth.get(f.ptsMs)?.rgb);
      const p = Array.from(f.tokens?.positions ?? []);
      expect(p.length).toBeGreaterThan(0);
      expect(p.every((x, i) => x >= 0 && x < 64 && (i === 0 || x > (p[i - 1] as number)))).toBe(true);
    }
    expect(listed[0]?.tokens?.positions).toHaveLength(64);
    expect(s.tokensKept).toBeLessThanOrEqual(2048);
  });

  it('keeps the newest frame seen for look_closer, even one the gate held back', async () => {
    const { watcher, run } = setup();
    const frames = [...staticWebcam({ width: W, height: H, seconds: 2, fps: 10, movingObject: false })];
    await run(frames);
    expect(watcher.latestFrame()).toBe(frames.at(-1));
    expect(watcher.stats().framesKept).toBe(1);
  });

  it('without an encoder keeps the gate’s frames as images under the frame budget', async () => {
    const { watcher, run } = setup({ vision: null, options: { maxFrames: 3, denseWindowMs: 0 } });
    const { frames } = sceneCutClip({ width: W, height: H, scenes: 5, sceneSeconds: 2, fps: 2 });
    const r = await run(frames);
    expect(r.error).toBeUndefined();
    const listed = watcher.frames();
    expect(listed.map((f) => f.ptsMs)).toEqual([4000, 6000, 8000]);
    expect(listed.every((f) => f.tokens === undefined && f.width === W)).toBe(true);
    expect(watcher.stats()).toMatchObject({ framesKept: 5, framesEncoded: 0, tokensKept: 0, scenes: 5 });
  });

  it('reads text in the frames the compressor kept and offers it deduplicated', async () => {
    const { watcher, run } = setup({
      ocr: (clock) =>
        new FakeOcr({
          clock,
          firstOutputDelayMs: 300,
          lines: (img) => [
            {
              text: (img.rgb[0] as number) > 127 ? 'EXIT' : 'OPEN',
              confidence: 0.9,
              box: { x: 0, y: 0, width: 1, height: 1 },
            },
          ],
        }),
    });
    const bright = stillPicture(W, H, 1);
    bright.rgb.fill(200);
    const dark = stillPicture(W, H, 2);
    dark.rgb.fill(20);
    const frames = [0, 4000, 8000, 12_000].map((t, i) => frameAt(i < 2 ? bright : dark, t));
    await run([frames[0], { ...frames[0], ptsMs: 1000 }, ...frames.slice(1)] as VideoFrame[]);
    expect(watcher.ocr()).toEqual([
      { ptsMs: 0, text: 'EXIT' },
      { ptsMs: 8000, text: 'OPEN' },
    ]);
  });

  it('logs a failed encode and goes on', async () => {
    const { watcher, run, logLines } = setup({ vision: { failOnCall: 1 } });
    const { frames } = sceneCutClip({ width: W, height: H, scenes: 3, sceneSeconds: 1, fps: 1 });
    const r = await run(frames);
    expect(r.error).toBeUndefined();
    expect(watcher.stats()).toMatchObject({ framesKept: 3, framesEncoded: 2, encodeFailures: 1 });
    expect(watcher.frames().map((f) => f.ptsMs)).toEqual([1000, 2000]);
    expect(logLines).toEqual(['vision encode failed']);
  });

  it('stops on abort with ERR_ABORTED, the encode in flight aborted', async () => {
    const { watcher, run, logLines } = setup();
    const r = await run(staticWebcam({ width: W, height: H, seconds: 10, fps: 5 }), { abortAtMs: 3100 });
    expect(r.error).toMatchObject({ code: 'ERR_ABORTED' });
    expect(r.endMs).toBeLessThan(3200);
    expect(watcher.stats().framesIn).toBeLessThanOrEqual(16);
    expect(logLines).toEqual([]);
  });
});
