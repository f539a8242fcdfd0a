import { RawImage } from '@huggingface/transformers';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  preprocessStill,
  preprocessVideoFrame,
  visionEncoderSize,
} from '../../../../models/vision/smolvlmImage.js';
import { idefics3Oracle } from '../../../helpers/oracles.js';

/** transformers.js's Idefics3 processor with SmolVLM2's preprocessor_config.json: the oracle (dev only). */
const oracle = idefics3Oracle();

async function picture(w: number, h: number): Promise<Buffer> {
  const svg = `<svg width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#0a78c8"/><circle cx="${w / 2}" cy="${h / 2}" r="${Math.min(w, h) / 3}" fill="yellow"/><text x="10" y="${h / 2}" font-size="40" fill="black">Hello 2024</text></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

describe('SmolVLM still-image preprocessing vs transformers.js Idefics3ImageProcessor', () => {
  it.each([
    [640, 480],
    [300, 700],
    [512, 512],
    [1999, 1024],
  ])('matches on a %i×%i image within 1e-2 (tiles, order and global image)', async (w, h) => {
    const png = await picture(w, h);
    const ref = await oracle(await RawImage.fromBlob(new Blob([new Uint8Array(png)])), {
      return_row_col_info: true,
    });
    const mine = await preprocessStill(png);
    expect([1, mine.count, 3, 512, 512]).toEqual(ref.pixel_values.dims);
    expect([mine.rows, mine.cols]).toEqual([ref.rows[0][0], ref.cols[0][0]]);
    const r = ref.pixel_values.data as Float32Array;
    let max = 0;
    for (let i = 0; i < r.length; i++)
      max = Math.max(max, Math.abs((mine.pixels[i] as number) - (r[i] as number)));
    expect(max).toBeLessThan(1e-2);
  });

  it('rounds the encoder size up to whole tiles keeping the aspect ratio', () => {
    expect(visionEncoderSize(2048, 1536, 512)).toEqual({ width: 2048, height: 1536 });
    expect(visionEncoderSize(2048, 1049, 512)).toEqual({ width: 2048, height: 1536 });
    expect(visionEncoderSize(878, 2048, 512)).toEqual({ width: 1024, height: 2048 });
  });
});

describe('SmolVLM video frames', () => {
  it('become one normalised 512² image each', async () => {
    const rgb = new Uint8Array(320 * 240 * 3);
    for (let i = 0; i < rgb.length; i += 3) rgb.set([255, 0, 128], i);
    const v = await preprocessVideoFrame({ rgb, width: 320, height: 240 });
    expect(v.count).toBe(1);
    expect(v.pixels.length).toBe(3 * 512 * 512);
    const plane = 512 * 512;
    expect(v.pixels[100]).toBeCloseTo(1, 2);
    expect(v.pixels[plane + 100]).toBeCloseTo(-1, 2);
    expect(v.pixels[2 * plane + 100]).toBeCloseTo(128 / 127.5 - 1, 2);
  });
});
