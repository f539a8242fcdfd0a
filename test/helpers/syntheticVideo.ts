import type { VideoFrame } from '../../core/media.js';
import { mulberry32 } from '../../models/runtime/random.js';

/** A packed RGB24 picture. */
export interface Picture {
  rgb: Buffer;
  width: number;
  height: number;
}

/**
 * A still "room" picture, different for each `seed`: a smooth two-colour
 * gradient with a few flat rectangles (furniture, a window, a poster).
 */
export function stillPicture(width: number, height: number, seed: number): Picture {
  const rand = mulberry32(seed);
  const c0 = [rand() * 255, rand() * 255, rand() * 255];
  const c1 = [rand() * 255, rand() * 255, rand() * 255];
  const rgb = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const t = (x / width + y / height) / 2;
      const p = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) rgb[p + c] = (c0[c] as number) * (1 - t) + (c1[c] as number) * t;
    }
  }
  const pic = { rgb, width, height };
  for (let r = 0; r < 5; r++) {
    const w = Math.round(width * (0.1 + rand() * 0.3));
    const h = Math.round(height * (0.1 + rand() * 0.3));
    const colour: [number, number, number] = [rand() * 255, rand() * 255, rand() * 255];
    fillRect(pic, Math.round(rand() * (width - w)), Math.round(rand() * (height - h)), w, h, colour);
  }
  return pic;
}

/** Paints a rectangle (clipped to the picture) in place. */
export function fillRect(
  pic: Picture,
  x0: number,
  y0: number,
  w: number,
  h: number,
  colour: readonly [number, number, number],
): void {
  for (let y = Math.max(0, y0); y < Math.min(pic.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(pic.width, x0 + w); x++) {
      const p = (y * pic.width + x) * 3;
      pic.rgb[p] = colour[0];
      pic.rgb[p + 1] = colour[1];
      pic.rgb[p + 2] = colour[2];
    }
  }
}

/** A copy of `pic` with sensor noise: each byte moved by a uniform amount in ±`amplitude`. */
export function withNoise(pic: Picture, amplitude: number, seed: number): Picture {
  const rand = mulberry32(seed);
  const rgb = Buffer.alloc(pic.rgb.length);
  for (let i = 0; i < rgb.length; i++) {
    const v = (pic.rgb[i] as number) + Math.round((rand() * 2 - 1) * amplitude);
    rgb[i] = Math.max(0, Math.min(255, v));
  }
  return { rgb, width: pic.width, height: pic.height };
}

/** `pic` as a camera frame at `ptsMs`. */
export function frameAt(pic: Picture, ptsMs: number): VideoFrame {
  return { ptsMs, width: pic.width, height: pic.height, rgb: pic.rgb, receivedAtMs: ptsMs };
}

/**
 * A mostly static webcam-like clip: one still picture with sensor noise and a
 * small object (a square 1/10 of the width, about 1 % of the frame, white or
 * black, whichever stands out) gliding across it, `fps` frames a second.
 */
export function* staticWebcam(o: {
  width: number;
  height: number;
  seconds: number;
  fps: number;
  seed?: number;
  noise?: number;
  movingObject?: boolean;
}): Generator<VideoFrame> {
  const base = stillPicture(o.width, o.height, o.seed ?? 1);
  const n = Math.round(o.seconds * o.fps);
  const side = Math.max(2, Math.round(o.width / 10));
  let luma = 0;
  for (let p = 0; p < base.rgb.length; p += 3) luma += base.rgb[p + 1] as number;
  const shade = luma / (base.rgb.length / 3) < 128 ? 255 : 0;
  for (let i = 0; i < n; i++) {
    const pic = withNoise(base, o.noise ?? 4, (o.seed ?? 1) * 100_003 + i);
    if (o.movingObject !== false) {
      const x = Math.round(((i / n) * 0.8 + 0.1) * o.width);
      fillRect(pic, x, Math.round(o.height * 0.6), side, side, [shade, shade, shade]);
    }
    yield frameAt(pic, Math.round((i * 1000) / o.fps));
  }
}

/**
 * A clip of `scenes` different pictures, each held `sceneSeconds` with sensor
 * noise, `fps` frames a second; `sceneStartsMs` are the scene cuts.
 */
export function sceneCutClip(o: {
  width: number;
  height: number;
  scenes: number;
  sceneSeconds: number;
  fps: number;
  noise?: number;
}): { frames: VideoFrame[]; sceneStartsMs: number[] } {
  const frames: VideoFrame[] = [];
  const sceneStartsMs: number[] = [];
  const perScene = Math.round(o.sceneSeconds * o.fps);
  for (let s = 0; s < o.scenes; s++) {
    const base = stillPicture(o.width, o.height, 1000 + s * 17);
    for (let i = 0; i < perScene; i++) {
      const k = s * perScene + i;
      const ptsMs = Math.round((k * 1000) / o.fps);
      if (i === 0) sceneStartsMs.push(ptsMs);
      frames.push(frameAt(withNoise(base, o.noise ?? 4, 7 + k), ptsMs));
    }
  }
  return { frames, sceneStartsMs };
}
