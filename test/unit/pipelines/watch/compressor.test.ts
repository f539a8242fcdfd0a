import { describe, expect, it } from 'vitest';
import type { VideoFrame } from '../../../../core/media.js';
import { FakeVision } from '../../../../pipelines/testing/fakes/fakeVision.js';
import { type CompressorOptions, TokenCompressor } from '../../../../pipelines/watch/compressor.js';
import {
  fillRect,
  frameAt,
  sceneCutClip,
  staticWebcam,
  stillPicture,
  withNoise,
} from '../../../helpers/syntheticVideo.js';

const W = 160;
const H = 120;

async function compress(frames: Iterable<VideoFrame>, options: Partial<CompressorOptions> = {}) {
  const vision = new FakeVision();
  const c = new TokenCompressor(vision, options);
  const results = [];
  for (const f of frames) {
    const rows = await vision.encodeFrame(f);
    results.push({ ptsMs: f.ptsMs, rows, ...c.add(f, rows) });
    const s = c.stats();
    const listed = c.frames();
    // The budget holds after every frame, and the counters agree with what is listed.
    expect(s.tokensInContext).toBeLessThanOrEqual(c.options.maxTokens);
    expect(listed.length).toBeLessThanOrEqual(c.options.maxFrames);
    expect(listed.reduce((n, x) => n + (x.tokens?.positions.length ?? 0), 0)).toBe(s.tokensInContext);
  }
  return { c, results };
}

/** Same values (a typed-array deep equal in expect is slow at this size). */
const same = (a: Float32Array | undefined, b: Float32Array | undefined) =>
  a !== undefined &&
  b !== undefined &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** A unit vector in the plane at `deg` degrees, as a 2-wide row. */
const at = (deg: number) => [Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180)];
const img = { rgb: new Uint8Array(3), width: 1, height: 1 };

describe('TokenCompressor', () => {
  it('merges a static scene with sensor noise and a small moving object: ≥ 70 % fewer tokens over a minute', async () => {
    const { c } = await compress(staticWebcam({ width: W, height: H, seconds: 60, fps: 1 }));
    const s = c.stats();
    expect(s.tokensIn).toBe(60 * 64);
    expect(s.tokensMerged / s.tokensIn).toBeGreaterThanOrEqual(0.7);
    expect(s.scenes).toBe(1);
  });

  it('keeps a new scene’s first frame whole, with every grid position in order', async () => {
    const { frames, sceneStartsMs } = sceneCutClip({
      width: W,
      height: H,
      scenes: 4,
      sceneSeconds: 5,
      fps: 1,
    });
    const { c, results } = await compress(frames);
    for (const startMs of sceneStartsMs) {
      const r = results.find((x) => x.ptsMs === startMs);
      expect(r?.sceneStart).toBe(true);
      expect(r?.kept).toBe(64);
      const listed = c.frames().find((f) => f.ptsMs === startMs);
      expect(Array.from(listed?.tokens?.positions ?? [])).toEqual(Array.from({ length: 64 }, (_, i) => i));
      expect(same(listed?.tokens?.rows, r?.rows)).toBe(true);
    }
    expect(c.stats().scenes).toBe(4);
    // The frames inside a scene add next to nothing.
    expect(results.filter((r) => !r.sceneStart).every((r) => r.kept <= 4)).toBe(true);
  });

  it('keeps only the changed tokens of a frame, at their original grid positions and with their own rows', async () => {
    const base = stillPicture(W, H, 3);
    const moved = withNoise(base, 2, 9);
    // Cell (row 2, col 5) of the 8 × 8 grid: x 100–120, y 30–45.
    fillRect(moved, 100, 30, 20, 15, [255, 255, 0]);
    const vision = new FakeVision();
    const c = new TokenCompressor(vision);
    c.add(frameAt(withNoise(base, 2, 8), 0), await vision.encodeFrame(withNoise(base, 2, 8)));
    const rows = await vision.encodeFrame(moved);
    const r = c.add(frameAt(moved, 1000), rows);
    expect(r).toMatchObject({ kept: 1, merged: 63, sceneStart: false });
    const last = c.frames().at(-1);
    expect(last?.ptsMs).toBe(1000);
    expect(Array.from(last?.tokens?.positions ?? [])).toEqual([2 * 8 + 5]);
    expect(same(last?.tokens?.rows, rows.subarray(21 * 576, 22 * 576))).toBe(true);
    expect(last?.tokens).toMatchObject({ encoder: 'fake-vision', hidden: 576, tokensPerFrame: 64 });
  });

  it('does not list a frame that kept no token', async () => {
    const base = stillPicture(W, H, 4);
    const { c, results } = await compress([frameAt(base, 0), frameAt(withNoise(base, 3, 1), 1000)]);
    expect(results[1]).toMatchObject({ kept: 0, merged: 64 });
    expect(c.frames().map((f) => f.ptsMs)).toEqual([0]);
  });

  it('re-sends a slow drift once it left the threshold from what the context holds, not link by link', () => {
    // Position 0 turns 10° a frame: every step is above 0.9 (cos 10° ≈ 0.985), three steps are not.
    const c = new TokenCompressor({ name: 'unit', tokensPerFrame: 4, hidden: 2 }, { similarity: 0.9 });
    const rows = (deg: number) => Float32Array.from([...at(deg), ...at(90), ...at(180), ...at(270)]);
    const kept = [0, 10, 20, 30, 40].map((deg, i) => c.add({ ...img, ptsMs: i * 1000 }, rows(deg)).kept);
    expect(kept).toEqual([4, 0, 0, 1, 0]);
    expect(Array.from(c.frames()[1]?.tokens?.positions ?? [])).toEqual([0]);
  });

  it('never exceeds the budget; keeps every scene’s first frame and the dense window, thins the past first', async () => {
    // 6 scenes of 20 s at 1 fps with a moving object: 120 frames, 6 scene starts.
    const frames: VideoFrame[] = [];
    for (let s = 0; s < 6; s++) {
      for (const f of staticWebcam({ width: W, height: H, seconds: 20, fps: 1, seed: 50 + s }))
        frames.push({ ...f, ptsMs: f.ptsMs + s * 20_000 });
    }
    const options = {
      maxTokens: 6 * 64 + 120,
      maxFrames: 40,
      denseWindowMs: 10_000,
      sparseIntervalMs: 5_000,
    };
    const { c, results } = await compress(frames, options);
    const starts = results.filter((r) => r.sceneStart).map((r) => r.ptsMs);
    expect(starts).toEqual([0, 20_000, 40_000, 60_000, 80_000, 100_000]);
    const listed = c.frames().map((f) => f.ptsMs);
    for (const s of starts) expect(listed).toContain(s);
    // Every kept frame of the last 10 s is still there.
    const newest = 119_000;
    const dense = results.filter((r) => r.kept > 0 && r.ptsMs >= newest - 10_000).map((r) => r.ptsMs);
    expect(listed.filter((t) => t >= newest - 10_000)).toEqual(dense);
    expect(c.stats().tokensDropped).toBeGreaterThan(0);
    // Further back it is sparser: the scenes before the last keep frames at least 5 s apart.
    const past = listed.filter((t) => t < 100_000);
    expect(past.length).toBeGreaterThan(6);
    expect(past.every((t, i) => i === 0 || t - (past[i - 1] as number) >= 5000)).toBe(true);
    // Timestamps: strictly increasing and each a true frame time.
    const truth = new Set(frames.map((f) => f.ptsMs));
    expect(listed.every((t, i) => truth.has(t) && (i === 0 || t > (listed[i - 1] as number)))).toBe(true);
  });

  it('under a tight budget drops the oldest scenes whole and keeps the newest frame', async () => {
    const { frames } = sceneCutClip({ width: W, height: H, scenes: 5, sceneSeconds: 3, fps: 1 });
    const { c } = await compress(frames, { maxTokens: 128, denseWindowMs: 0 });
    const listed = c.frames();
    expect(listed.map((f) => f.ptsMs)).toEqual([9000, 12_000]);
    expect(c.stats().tokensInContext).toBe(128);
  });

  it('keeps images without an encoder under the frame budget, the dense window before older scenes', () => {
    const c = new TokenCompressor(null, { maxFrames: 4, denseWindowMs: 2000, sparseIntervalMs: 1000 });
    for (let i = 0; i < 12; i++) c.addImage({ ...img, ptsMs: i * 500 }, i === 0 || i === 6);
    const listed = c.frames();
    // The first scene's start goes once it is older than the dense window; the second scene's start stays.
    expect(listed.map((f) => f.ptsMs)).toEqual([3000, 4500, 5000, 5500]);
    expect(listed.every((f) => f.tokens === undefined)).toBe(true);
  });

  it('rejects rows of the wrong size and frames out of time order', () => {
    const c = new TokenCompressor({ name: 'unit', tokensPerFrame: 4, hidden: 2 });
    expect(() => c.add({ ...img, ptsMs: 0 }, new Float32Array(7))).toThrow(/7 values/);
    c.add({ ...img, ptsMs: 10 }, new Float32Array(8).fill(1));
    expect(() => c.add({ ...img, ptsMs: 10 }, new Float32Array(8).fill(1))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(
      () => new TokenCompressor({ name: 'unit', tokensPerFrame: 64, hidden: 2 }, { maxTokens: 32 }),
    ).toThrow(/cannot hold one frame/);
  });
});
