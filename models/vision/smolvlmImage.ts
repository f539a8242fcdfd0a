import sharp from 'sharp';
import { ModelError } from '../runtime/errors.js';
import { cropChw, resizeBilinearChw } from './resize.js';

/** SmolVLM / Idefics3 preprocessing settings (from preprocessor_config.json). */
export interface SmolVlmImageConfig {
  /** Stills are first resized so that their longest edge is this (`size.longest_edge`). */
  longestEdge: number;
  /** The vision encoder's input: tiles of this size (`max_image_size.longest_edge`). */
  tileSize: number;
  mean: [number, number, number];
  std: [number, number, number];
  rescaleFactor: number;
}

export const SMOLVLM_IMAGE_CONFIG: SmolVlmImageConfig = {
  longestEdge: 2048,
  tileSize: 512,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  rescaleFactor: 1 / 255,
};

/** Pixels for the vision encoder: `count` planar RGB images of tileSize², plus the tile grid. */
export interface VisionInput {
  /** [count, 3, tileSize, tileSize], normalised. */
  pixels: Float32Array;
  count: number;
  /** Tile grid of a still (0 × 0 when the image is a single global image). */
  rows: number;
  cols: number;
}

/** Packed RGB24 pixels. */
export interface RgbImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

function toPlanarNormalised(
  rgb: Uint8Array,
  width: number,
  height: number,
  cfg: SmolVlmImageConfig,
): Float32Array {
  const n = width * height;
  const out = new Float32Array(3 * n);
  for (let c = 0; c < 3; c++) {
    const std = cfg.std[c] as number;
    const scale = cfg.rescaleFactor / std;
    const shift = (cfg.mean[c] as number) / std;
    for (let i = 0; i < n; i++) out[c * n + i] = (rgb[i * 3 + c] as number) * scale - shift;
  }
  return out;
}

async function decodeRgb(input: Buffer | RgbImage, width?: number, height?: number): Promise<RgbImage> {
  const img = Buffer.isBuffer(input)
    ? sharp(input)
    : sharp(input.rgb, { raw: { width: input.width, height: input.height, channels: 3 } });
  const pipeline = img.removeAlpha().toColourspace('srgb');
  const resized =
    width && height ? pipeline.resize(width, height, { fit: 'fill', kernel: 'lanczos3' }) : pipeline;
  const { data, info } = await resized.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3)
    throw new ModelError('ERR_MODEL_INPUT', `expected 3 channels, got ${info.channels}`);
  return { rgb: data, width: info.width, height: info.height };
}

/** The size a still is resized to first: longest edge = cfg.longestEdge, aspect kept (transformers' rounding). */
export function stillResizeSize(
  width: number,
  height: number,
  longestEdge: number,
): { width: number; height: number } {
  const f = Math.min(longestEdge / width, longestEdge / height);
  return {
    width: Math.floor(Number((width * f).toFixed(2))),
    height: Math.floor(Number((height * f).toFixed(2))),
  };
}

/** Rounds up to whole tiles, keeping the aspect ratio (Idefics3's resize for the vision encoder). */
export function visionEncoderSize(
  width: number,
  height: number,
  tile: number,
): { width: number; height: number } {
  const aspect = width / height;
  if (width >= height) {
    const w = Math.ceil(width / tile) * tile;
    return { width: w, height: Math.ceil(Math.floor(w / aspect) / tile) * tile };
  }
  const h = Math.ceil(height / tile) * tile;
  return { width: Math.ceil(Math.floor(h * aspect) / tile) * tile, height: h };
}

/**
 * A still image for SmolVLM: resized (lanczos3) to a 2048 longest edge,
 * normalised, resized (bilinear) to whole 512 tiles, split row by row into
 * tiles, plus one 512² global image last.
 */
export async function preprocessStill(
  input: Buffer | RgbImage,
  cfg: SmolVlmImageConfig = SMOLVLM_IMAGE_CONFIG,
): Promise<VisionInput> {
  const meta = Buffer.isBuffer(input)
    ? await sharp(input).metadata()
    : { width: input.width, height: input.height };
  if (!meta.width || !meta.height) throw new ModelError('ERR_MODEL_INPUT', 'could not read the image size');
  const first = stillResizeSize(meta.width, meta.height, cfg.longestEdge);
  const img = await decodeRgb(input, first.width, first.height);
  let planar = toPlanarNormalised(img.rgb, img.width, img.height, cfg);
  const enc = visionEncoderSize(img.width, img.height, cfg.tileSize);
  planar = resizeBilinearChw(planar, 3, img.height, img.width, enc.height, enc.width);
  const t = cfg.tileSize;
  const { width, height } = enc;
  const tiles: Float32Array[] = [];
  let rows = 0;
  let cols = 0;
  if (height > t || width > t) {
    rows = Math.ceil(height / t);
    cols = Math.ceil(width / t);
    const th = Math.ceil(height / rows);
    const tw = Math.ceil(width / cols);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const y0 = r === rows - 1 ? height - th : r * th;
        const x0 = c === cols - 1 ? width - tw : c * tw;
        tiles.push(cropChw(planar, 3, height, width, y0, y0 + th, x0, x0 + tw));
      }
    }
    tiles.push(resizeBilinearChw(planar, 3, height, width, t, t));
  } else {
    tiles.push(planar);
  }
  const pixels = new Float32Array(tiles.length * 3 * t * t);
  for (const [i, tile] of tiles.entries()) pixels.set(tile, i * 3 * t * t);
  return { pixels, count: tiles.length, rows, cols };
}

/** A video frame for SmolVLM: one 512² image (no tiling), resized directly with lanczos3. */
export async function preprocessVideoFrame(
  frame: RgbImage,
  cfg: SmolVlmImageConfig = SMOLVLM_IMAGE_CONFIG,
): Promise<VisionInput> {
  const img = await decodeRgb(frame, cfg.tileSize, cfg.tileSize);
  return { pixels: toPlanarNormalised(img.rgb, img.width, img.height, cfg), count: 1, rows: 0, cols: 0 };
}
