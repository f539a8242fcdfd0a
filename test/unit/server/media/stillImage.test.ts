import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_BYTES } from '../../../../protocol/messages.js';
import { decodeStillImage, MAX_IMAGE_SIDE } from '../../../../server/media/stillImage.js';

/** A `width`×`height` image whose left half is red and right half blue, encoded as `format`. */
async function halves(
  format: 'jpeg' | 'png' | 'webp',
  width = 64,
  height = 32,
  options: { alpha?: boolean } = {},
): Promise<Buffer> {
  const channels = options.alpha ? 4 : 3;
  const raw = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * channels;
      const left = x < width / 2;
      raw[i] = left ? 255 : 0;
      raw[i + 1] = 0;
      raw[i + 2] = left ? 0 : 255;
      if (options.alpha) raw[i + 3] = 128;
    }
  }
  const img = sharp(raw, { raw: { width, height, channels } });
  return format === 'jpeg' ? img.jpeg({ quality: 95 }).toBuffer() : img[format]().toBuffer();
}

/** The RGB of pixel (x, y) of a decoded image. */
function pixel(img: { rgb: Uint8Array; width: number }, x: number, y: number): number[] {
  const i = (y * img.width + x) * 3;
  return [img.rgb[i] as number, img.rgb[i + 1] as number, img.rgb[i + 2] as number];
}

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe('decodeStillImage', () => {
  it.each(['jpeg', 'png', 'webp'] as const)('decodes %s to packed RGB at full size', async (format) => {
    const img = await decodeStillImage(`image/${format}`, (await halves(format)).toString('base64'));
    expect([img.width, img.height]).toEqual([64, 32]);
    expect(img.rgb.length).toBe(64 * 32 * 3);
    // Lossy formats move colours a little; the halves stay clearly red and blue.
    const [r1, g1, b1] = pixel(img, 8, 16);
    const [r2, g2, b2] = pixel(img, 56, 16);
    expect(r1).toBeGreaterThan(200);
    expect(Math.max(g1 as number, b1 as number)).toBeLessThan(60);
    expect(b2).toBeGreaterThan(200);
    expect(Math.max(r2 as number, g2 as number)).toBeLessThan(60);
  });

  it('drops alpha and expands grey to three channels', async () => {
    const rgba = await decodeStillImage(
      'image/png',
      (await halves('png', 16, 8, { alpha: true })).toString('base64'),
    );
    expect(rgba.rgb.length).toBe(16 * 8 * 3);
    const grey = await sharp(Buffer.alloc(10 * 6, 128), { raw: { width: 10, height: 6, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer();
    expect((await sharp(grey).metadata()).channels).toBe(1);
    const img = await decodeStillImage('image/png', grey.toString('base64'));
    expect(img.rgb.length).toBe(10 * 6 * 3);
    expect(pixel(img, 3, 3)).toEqual([128, 128, 128]);
  });

  it('applies the EXIF orientation (a portrait photo stays portrait)', async () => {
    const rotated = await sharp(await halves('jpeg', 64, 32))
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const img = await decodeStillImage('image/jpeg', rotated.toString('base64'));
    expect([img.width, img.height]).toEqual([32, 64]);
  });

  it('scales an image larger than MAX_IMAGE_SIDE down, keeping its aspect', async () => {
    const big = await sharp({
      create: { width: MAX_IMAGE_SIDE * 2, height: 200, channels: 3, background: '#336699' },
    })
      .png()
      .toBuffer();
    const img = await decodeStillImage('image/png', big.toString('base64'));
    expect([img.width, img.height]).toEqual([MAX_IMAGE_SIDE, 100]);
    expect(img.rgb.length).toBe(MAX_IMAGE_SIDE * 100 * 3);
  });

  it('refuses a PNG claimed as JPEG, naming both types', async () => {
    const png = (await halves('png')).toString('base64');
    await expect(decodeStillImage('image/jpeg', png)).rejects.toMatchObject({
      code: 'ERR_IMAGE_FORMAT',
      message: expect.stringMatching(/png.*image\/jpeg/),
    });
    const jpeg = (await halves('jpeg')).toString('base64');
    expect(await code(decodeStillImage('image/webp', jpeg))).toBe('ERR_IMAGE_FORMAT');
  });

  it('refuses garbage, empty and truncated data as ERR_IMAGE_FORMAT', async () => {
    expect(
      await code(decodeStillImage('image/png', Buffer.from('not an image at all').toString('base64'))),
    ).toBe('ERR_IMAGE_FORMAT');
    expect(await code(decodeStillImage('image/png', ''))).toBe('ERR_IMAGE_FORMAT');
    const png = await halves('png', 256, 256);
    // The header says PNG, the pixel data is cut short.
    expect(await code(decodeStillImage('image/png', png.subarray(0, 100).toString('base64')))).toBe(
      'ERR_IMAGE_FORMAT',
    );
  });

  it('refuses more than MAX_IMAGE_BYTES before decoding', async () => {
    const png = await halves('png');
    const padded = Buffer.concat([png, Buffer.alloc(MAX_IMAGE_BYTES + 1 - png.length)]);
    await expect(decodeStillImage('image/png', padded.toString('base64'))).rejects.toMatchObject({
      code: 'ERR_IMAGE_TOO_LARGE',
      message: expect.stringContaining(String(MAX_IMAGE_BYTES)),
    });
    const exact = Buffer.concat([png, Buffer.alloc(MAX_IMAGE_BYTES - png.length)]);
    // PNG ignores bytes after IEND: exactly at the limit it decodes.
    expect((await decodeStillImage('image/png', exact.toString('base64'))).width).toBe(64);
  });

  it('refuses a decompression bomb (a small file of too many pixels) as too large', async () => {
    const bomb = await sharp({ create: { width: 10_000, height: 6_000, channels: 3, background: '#000' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(MAX_IMAGE_BYTES);
    expect(await code(decodeStillImage('image/png', bomb.toString('base64')))).toBe('ERR_IMAGE_TOO_LARGE');
  });
});
