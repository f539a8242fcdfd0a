import type { Tokenizer } from '@huggingface/tokenizers';
import sharp from 'sharp';
import type { LlmImage } from '../roles/llm.js';
import { ModelError } from '../runtime/errors.js';

/** SigLIP's image preprocessing, from preprocessor_config.json (SiglipImageProcessor). */
export interface SiglipImageConfig {
  /** Every image is resized to exactly this (aspect not kept, no crop). */
  height: number;
  width: number;
  rescaleFactor: number;
  mean: [number, number, number];
  std: [number, number, number];
}

const triple = (v: unknown, fallback: number): [number, number, number] =>
  Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number')
    ? (v as [number, number, number])
    : [fallback, fallback, fallback];

/** Reads preprocessor_config.json (missing keys: SigLIP-base-224's values: 224², 1/255, mean = std = 0.5). */
export function siglipImageConfig(json: Record<string, unknown>): SiglipImageConfig {
  const size = (json.size ?? {}) as { height?: unknown; width?: unknown };
  const side = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : 224);
  return {
    height: side(size.height),
    width: side(size.width),
    rescaleFactor: typeof json.rescale_factor === 'number' ? json.rescale_factor : 1 / 255,
    mean: triple(json.image_mean, 0.5),
    std: triple(json.image_std, 0.5),
  };
}

/** Throws ERR_MODEL_INPUT unless `image` is packed RGB24 of its stated, non-zero size. */
export function checkImage(image: LlmImage): void {
  const { width, height } = image;
  const sized = Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0;
  if (!sized || !(image.rgb instanceof Uint8Array) || image.rgb.length !== width * height * 3)
    throw new ModelError(
      'ERR_MODEL_INPUT',
      `an image must be packed RGB24: ${width}×${height} needs ${sized ? width * height * 3 : 'a positive size and'} bytes, got ${image.rgb?.length ?? 'none'}`,
    );
}

/**
 * Pixels for the vision tower, [images.length, 3, height, width]: each image
 * resized straight to the configured size (bicubic: the processor's resample 3),
 * rescaled and normalised per channel.
 */
export async function siglipPixels(
  images: readonly LlmImage[],
  cfg: SiglipImageConfig,
): Promise<Float32Array> {
  const plane = cfg.height * cfg.width;
  const out = new Float32Array(images.length * 3 * plane);
  for (const [n, image] of images.entries()) {
    checkImage(image);
    const { data, info } = await sharp(image.rgb, {
      raw: { width: image.width, height: image.height, channels: 3 },
    })
      .resize(cfg.width, cfg.height, { fit: 'fill', kernel: 'cubic' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || info.width !== cfg.width || info.height !== cfg.height)
      throw new ModelError('ERR_MODEL_INPUT', `resizing gave ${info.width}×${info.height}×${info.channels}`);
    const base = n * 3 * plane;
    for (let c = 0; c < 3; c++) {
      const std = cfg.std[c] as number;
      const scale = cfg.rescaleFactor / std;
      const shift = (cfg.mean[c] as number) / std;
      for (let i = 0; i < plane; i++) out[base + c * plane + i] = (data[i * 3 + c] as number) * scale - shift;
    }
  }
  return out;
}

/** ASCII punctuation, as Python's `string.punctuation`. */
const PUNCTUATION = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g;

/**
 * The text SigLIP's tokenizer actually encodes (transformers' SiglipTokenizer
 * `canonicalize_text`, after `do_lower_case`): punctuation removed, runs of
 * white space made one space, ends trimmed.
 */
export function canonicalizeSiglipText(text: string, lowerCase: boolean): string {
  const cased = lowerCase ? text.toLowerCase() : text;
  return cased.replace(PUNCTUATION, '').replace(/\s+/g, ' ').trim();
}

/** How text becomes the text tower's `input_ids`. */
export interface SiglipTextConfig {
  /** Every sequence is exactly this long: the pooler reads the last position, so the padding is part of the model. */
  length: number;
  padId: number;
  eosId: number;
  lowerCase: boolean;
}

/**
 * `input_ids` for one text: canonicalised, encoded, ending in `</s>` (appended
 * when the tokenizer's post-processor does not), cut to `length` keeping the
 * `</s>` last, then padded with `padId` to `length`. Text with nothing left to
 * encode is ERR_MODEL_INPUT.
 */
export function siglipInputIds(tokenizer: Tokenizer, text: string, cfg: SiglipTextConfig): number[] {
  const canonical = canonicalizeSiglipText(text, cfg.lowerCase);
  if (canonical === '')
    throw new ModelError('ERR_MODEL_INPUT', 'the text to embed is empty (after removing punctuation)');
  const ids = [...tokenizer.encode(canonical, { add_special_tokens: true }).ids];
  if (ids.at(-1) === cfg.eosId) ids.pop();
  const kept = ids.slice(0, cfg.length - 1);
  kept.push(cfg.eosId);
  while (kept.length < cfg.length) kept.push(cfg.padId);
  return kept;
}
