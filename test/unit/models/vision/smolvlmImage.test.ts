import { type Idefics3ImageProcessor, RawImage } from '@huggingface/transformers';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  preprocessStill,
  preprocessVideoFrame,
  visionEncoderSize,
} from '../../../../models/vision/smolvlmImage.js';
import {
  SMOLVLM_IMAGE_CONFIG,
  type SmolVlmImageConfig,
  smolVlmImageConfig,
} from '../../../../models/vision/smolvlmImageConfig.js';
import { idefics3Oracle, SMOLVLM_PREPROCESSOR } from '../../../helpers/oracles.js';

/** transformers.js's Idefics3 processor with SmolVLM2's preprocessor_config.json: the oracle (dev only). */
const oracle = idefics3Oracle();

/** SmolVLM2-2.2B's sizes: 384² tiles, 1536 longest edge. */
const PREPROCESSOR_2_2B = {
  ...SMOLVLM_PREPROCESSOR,
  max_image_size: { longest_edge: 384 },
  size: { longest_edge: 1536 },
};

/**
 * Largest gap to the oracle measured on these pictures is 7.0e-5 (float32
 * rounding in the two bilinear resizes); the bound is about 3 times that.
 */
const MAX_ERROR = 2e-4;

async function picture(w: number, h: number): Promise<Buffer> {
  const svg = `<svg width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#0a78c8"/><circle cx="${w / 2}" cy="${h / 2}" r="${Math.min(w, h) / 3}" fill="yellow"/><text x="10" y="${h / 2}" font-size="40" fill="black">Hello 2024</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

async function compare(
  png: Buffer,
  ref: Idefics3ImageProcessor,
  cfg: SmolVlmImageConfig,
): Promise<{ count: number; rows: number; cols: number; max: number }> {
  const out = await ref(await RawImage.fromBlob(new Blob([new Uint8Array(png)])), {
    return_row_col_info: true,
  });
  const mine = await preprocessStill(png, cfg);
  const t = cfg.tileSize;
  expect([1, mine.count, 3, t, t]).toEqual(out.pixel_values.dims);
  expect([mine.rows, mine.cols]).toEqual([out.rows[0][0], out.cols[0][0]]);
  const r = out.pixel_values.data as Float32Array;
  let max = 0;
  for (let i = 0; i < r.length; i++)
    max = Math.max(max, Math.abs((mine.pixels[i] as number) - (r[i] as number)));
  return { count: mine.count, rows: mine.rows, cols: mine.cols, max };
}

// Each case runs the oracle on up to 17 tiles: seconds on a shared 2-core machine.
describe('SmolVLM still-image preprocessing vs transformers.js Idefics3ImageProcessor', {
  timeout: 30_000,
}, () => {
  it.each([
    [640, 480],
    [300, 700],
    [512, 512],
    [1999, 1024],
  ])('matches on a %i×%i image within 2e-4 (tiles, order and global image)', async (w, h) => {
    const { max } = await compare(await picture(w, h), oracle, SMOLVLM_IMAGE_CONFIG);
    expect(max).toBeLessThan(MAX_ERROR);
  });

  it.each([
    [640, 480],
    [300, 700],
    [1999, 1024],
  ])('takes 384² tiles and a 1536 edge from a 2.2B-style preprocessor_config.json (%i×%i)', async (w, h) => {
    const cfg = smolVlmImageConfig(PREPROCESSOR_2_2B);
    const { max, count } = await compare(await picture(w, h), idefics3Oracle(PREPROCESSOR_2_2B), cfg);
    expect(count).toBeGreaterThan(1);
    expect(max).toBeLessThan(MAX_ERROR);
  });

  it('makes one tile-sized image when do_image_splitting is false', async () => {
    const json = { ...PREPROCESSOR_2_2B, do_image_splitting: false };
    const got = await compare(await picture(300, 700), idefics3Oracle(json), smolVlmImageConfig(json));
    expect(got).toMatchObject({ count: 1, rows: 0, cols: 0 });
    expect(got.max).toBeLessThan(MAX_ERROR);
  });

  it('rounds the encoder size up to whole tiles keeping the aspect ratio', () => {
    expect(visionEncoderSize(2048, 1536, 512)).toEqual({ width: 2048, height: 1536 });
    expect(visionEncoderSize(2048, 1049, 512)).toEqual({ width: 2048, height: 1536 });
    expect(visionEncoderSize(878, 2048, 512)).toEqual({ width: 1024, height: 2048 });
  });
});

describe('SmolVLM video frames', () => {
  it('become one normalised tile-sized image each (512² for 256M/500M, 384² for 2.2B)', async () => {
    const rgb = new Uint8Array(320 * 240 * 3);
    for (let i = 0; i < rgb.length; i += 3) rgb.set([255, 0, 128], i);
    const v = await preprocessVideoFrame({ rgb, width: 320, height: 240 }, SMOLVLM_IMAGE_CONFIG);
    expect(v.count).toBe(1);
    expect(v.pixels.length).toBe(3 * 512 * 512);
    const plane = 512 * 512;
    // Measured exact to 2.3e-10 (a flat colour survives lanczos3); 6 digits is 5e-7.
    expect(v.pixels[100]).toBeCloseTo(1, 6);
    expect(v.pixels[plane + 100]).toBeCloseTo(-1, 6);
    expect(v.pixels[2 * plane + 100]).toBeCloseTo(128 / 127.5 - 1, 6);
    const small = await preprocessVideoFrame(
      { rgb, width: 320, height: 240 },
      smolVlmImageConfig(PREPROCESSOR_2_2B),
    );
    expect(small.pixels.length).toBe(3 * 384 * 384);
  });
});
