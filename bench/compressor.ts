// The temporal token compressor: µs per frame, and visual tokens per minute kept vs merged for
// (a) a mostly static webcam scene (a still picture, sensor noise, a small moving object) and
// (b) a scene-cut clip (ffmpeg lavfi sources decoded to RGB, or synthetic pictures without ffmpeg),
// with the fake encoder and, with --real, the tiny SmolVLM vision encoder (random weights, real layout).
// Frames go through the change gate as the watch lane would (1 fps upper bound: the person speaks),
// then every passed frame is encoded (no encode queue: the encoder's speed is not measured here).
// Run: npm run bench:compressor [-- --real]
import { execFileSync } from 'node:child_process';
import type { VideoFrame } from '../core/media.js';
import type { LlmImage, VisionEncoder } from '../models/roles/llm.js';
import { preprocessVideoFrame } from '../models/vision/smolvlmImage.js';
import { SmolVlmRunner } from '../models/vlm/smolvlm.js';
import { FakeVision } from '../pipelines/testing/fakes/fakeVision.js';
import { ChangeGate } from '../pipelines/watch/changeGate.js';
import { TokenCompressor } from '../pipelines/watch/compressor.js';
import { frameAt, sceneCutClip, staticWebcam } from '../test/helpers/syntheticVideo.js';
import { tinyModelDir } from '../test/helpers/tinyModels.js';

const WIDTH = 640;
const HEIGHT = 480;
const FPS = 5;

interface Clip {
  name: string;
  frames: VideoFrame[];
  /** The first frame time of each scene (the frame that must be kept whole). */
  sceneStartsMs: number[];
}

/** ffmpeg lavfi sources, `seconds` each, decoded to RGB24 at FPS; null without ffmpeg. */
function ffmpegClip(sources: string[], seconds: number): Clip | null {
  const frames: VideoFrame[] = [];
  const sceneStartsMs: number[] = [];
  const bytes = WIDTH * HEIGHT * 3;
  for (const src of sources) {
    let raw: Buffer;
    try {
      raw = execFileSync(
        'ffmpeg',
        [
          ...['-hide_banner', '-loglevel', 'error', '-f', 'lavfi'],
          ...['-i', `${src}=size=${WIDTH}x${HEIGHT}:rate=${FPS}`, '-t', String(seconds)],
          ...['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
        ],
        { maxBuffer: 1 << 30 },
      );
    } catch {
      return null;
    }
    sceneStartsMs.push(Math.round((frames.length * 1000) / FPS));
    for (let at = 0; at + bytes <= raw.length; at += bytes) {
      const pic = { rgb: raw.subarray(at, at + bytes), width: WIDTH, height: HEIGHT };
      frames.push(frameAt(pic, Math.round((frames.length * 1000) / FPS)));
    }
  }
  return { name: `scene cuts (ffmpeg ${sources.join(', ')})`, frames, sceneStartsMs };
}

function clips(): Clip[] {
  const still: Clip = {
    name: 'static webcam (still + noise ±4 + moving object)',
    frames: [...staticWebcam({ width: WIDTH, height: HEIGHT, seconds: 60, fps: FPS })],
    sceneStartsMs: [0],
  };
  const cuts =
    ffmpegClip(['testsrc', 'smptebars', 'mandelbrot', 'rgbtestsrc', 'testsrc2', 'smptehdbars'], 10) ??
    (() => {
      const c = sceneCutClip({ width: WIDTH, height: HEIGHT, scenes: 6, sceneSeconds: 10, fps: FPS });
      return { name: 'scene cuts (synthetic, no ffmpeg)', ...c };
    })();
  return [still, cuts];
}

/** The tiny SmolVLM's vision tower as a VisionEncoder (the runner's own preprocessing). */
async function tinySmolVlm(): Promise<VisionEncoder> {
  const runner = await SmolVlmRunner.load(tinyModelDir('smolvlm'), { threads: { intraOp: 2, interOp: 1 } });
  return {
    name: 'smolvlm-tiny',
    tokensPerFrame: runner.imageSeqLen,
    hidden: runner.hidden,
    encodeFrame: async (frame: LlmImage) =>
      runner.encodeImages(await preprocessVideoFrame(frame, runner.imageConfig)),
  };
}

const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`.padStart(6);

async function bench(encoder: VisionEncoder, clip: Clip): Promise<void> {
  const gate = new ChangeGate();
  gate.setUserSpeaking(true);
  const compressor = new TokenCompressor(encoder);
  const addUs: number[] = [];
  // Per scene: the first frame the gate passed in it (the rate bound may hold the very first back)
  // and whether the compressor kept it whole.
  const sceneFirst = new Map<number, { ptsMs: number; whole: boolean }>();
  const sceneOf = (ptsMs: number) => clip.sceneStartsMs.filter((t) => t <= ptsMs).at(-1) ?? 0;
  let addCpuUs = 0;
  let encodeMs = 0;
  let passed = 0;
  const encoded: { frame: VideoFrame; rows: Float32Array }[] = [];
  for (const f of clip.frames) {
    if (!gate.offer(f).pass) continue;
    passed++;
    const e0 = performance.now();
    const rows = await encoder.encodeFrame(f);
    encoded.push({ frame: f, rows });
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const r = compressor.add(f, rows);
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    addCpuUs += c1.user + c1.system;
    encodeMs += t0 - e0;
    addUs.push((t1 - t0) * 1000);
    const scene = sceneOf(f.ptsMs);
    if (!sceneFirst.has(scene))
      sceneFirst.set(scene, { ptsMs: f.ptsMs, whole: r.sceneStart && r.kept === encoder.tokensPerFrame });
  }
  // The same frames again, warm, 20 times over: the steady cost of the compressor alone.
  const r0 = performance.now();
  for (let k = 0; k < 20; k++) {
    const again = new TokenCompressor(encoder);
    for (const e of encoded) again.add(e.frame, e.rows);
  }
  const replayUs = ((performance.now() - r0) * 1000) / (20 * Math.max(1, encoded.length));
  const s = compressor.stats();
  const minutes = clip.frames.length / FPS / 60;
  addUs.sort((a, b) => a - b);
  const q = (p: number) => (addUs[Math.min(addUs.length - 1, Math.floor(p * addUs.length))] ?? 0).toFixed(0);
  const lost = clip.sceneStartsMs.filter((t) => !sceneFirst.get(t)?.whole);
  const lagMs = clip.sceneStartsMs.map((t) => (sceneFirst.get(t)?.ptsMs ?? Number.NaN) - t);
  console.log(`\n${encoder.name} (${encoder.tokensPerFrame}×${encoder.hidden}) — ${clip.name}`);
  console.log(
    `  ${clip.frames.length} frames over ${(minutes * 60).toFixed(0)} s, ${passed} passed the gate, ` +
      `encode ${(encodeMs / Math.max(1, passed)).toFixed(1)} ms/frame`,
  );
  console.log(
    `  tokens/min: in ${(s.tokensIn / minutes).toFixed(0)}, kept ${(s.tokensKept / minutes).toFixed(0)}, ` +
      `merged ${(s.tokensMerged / minutes).toFixed(0)} (${pct(s.tokensMerged, s.tokensIn)} fewer); ` +
      `vs encoding every frame at 1 fps: ${pct(encoder.tokensPerFrame * 60 * minutes - s.tokensKept, encoder.tokensPerFrame * 60 * minutes)} fewer`,
  );
  console.log(
    `  scenes found ${s.scenes} (true ${clip.sceneStartsMs.length}); each scene's first passed frame kept whole: ${
      lost.length === 0 ? 'yes' : `NO (lost at ${lost.join(', ')} ms)`
    } (cut to that frame: ${lagMs.join(', ')} ms); context now ${s.tokensInContext} tokens in ${s.framesInContext} frames`,
  );
  console.log(
    `  compressor µs/frame (wall): p50 ${q(0.5)}, p95 ${q(0.95)}, max ${q(1)}; CPU mean ${(addCpuUs / Math.max(1, passed)).toFixed(0)}; warm replay mean ${replayUs.toFixed(0)}`,
  );
}

const all = clips();
const encoders: VisionEncoder[] = [new FakeVision()];
if (process.argv.includes('--real')) encoders.push(await tinySmolVlm());
console.log(
  '## Temporal token compressor (defaults: similarity 0.9, scene cut 0.5, 2048 tokens, 10 s dense)',
);
for (const encoder of encoders) for (const clip of all) await bench(encoder, clip);
