import sharp from 'sharp';
import type { LlmImage } from '../../models/roles/llm.js';
import { SightlineError } from '../../protocol/errors.js';
import { type IMAGE_MIME_TYPES, MAX_IMAGE_BYTES } from '../../protocol/messages.js';

/** Largest decoded image side; bigger images are scaled down (the model tiles at 512² up to 2048). */
export const MAX_IMAGE_SIDE = 4096;
/** Largest decoded pixel count accepted (a decompression bomb guard). */
export const MAX_INPUT_PIXELS = 50_000_000;

const FORMATS: Record<(typeof IMAGE_MIME_TYPES)[number], string> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

/**
 * Decodes a client's still image to packed RGB: checks the size before and after
 * base64, that the bytes are the type claimed, and bounds the decoded size.
 * Throws ERR_IMAGE_TOO_LARGE or ERR_IMAGE_FORMAT with a clear reason.
 */
export async function decodeStillImage(
  mimeType: (typeof IMAGE_MIME_TYPES)[number],
  dataBase64: string,
): Promise<LlmImage> {
  const bytes = Buffer.from(dataBase64, 'base64');
  if (bytes.length > MAX_IMAGE_BYTES) {
    throw new SightlineError(
      'ERR_IMAGE_TOO_LARGE',
      `the image is ${bytes.length} bytes; the limit is ${MAX_IMAGE_BYTES}`,
    );
  }
  if (bytes.length === 0) throw new SightlineError('ERR_IMAGE_FORMAT', 'the image is empty');
  let meta: sharp.Metadata;
  try {
    // The header only: a bomb's size is read here and refused below as too large, not as unreadable.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new SightlineError('ERR_IMAGE_FORMAT', 'the image could not be read', { cause: error });
  }
  if (meta.format !== FORMATS[mimeType]) {
    throw new SightlineError(
      'ERR_IMAGE_FORMAT',
      `the data is ${meta.format ?? 'not an image'}, not ${mimeType}`,
    );
  }
  const pixels = (meta.width ?? 0) * (meta.height ?? 0);
  if (pixels > MAX_INPUT_PIXELS) {
    throw new SightlineError(
      'ERR_IMAGE_TOO_LARGE',
      `the image is ${meta.width}x${meta.height} pixels; the limit is ${MAX_INPUT_PIXELS} pixels`,
    );
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .resize({ width: MAX_IMAGE_SIDE, height: MAX_IMAGE_SIDE, fit: 'inside', withoutEnlargement: true })
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return {
      rgb: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
    };
  } catch (error) {
    throw new SightlineError('ERR_IMAGE_FORMAT', 'the image could not be decoded', { cause: error });
  }
}
