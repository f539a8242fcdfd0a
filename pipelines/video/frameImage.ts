import sharp from 'sharp';
import type { LlmImage } from '../../models/roles/llm.js';

/** Reads a stored frame JPEG as packed sRGB (what the encoders, OCR and the LLM take). */
export async function readFrameRgb(path: string): Promise<LlmImage> {
  const { data, info } = await sharp(path)
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return {
    rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
  };
}
