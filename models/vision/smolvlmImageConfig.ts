import { ModelError } from '../runtime/errors.js';

/** SmolVLM / Idefics3 preprocessing settings, read from the model's preprocessor_config.json. */
export interface SmolVlmImageConfig {
  /** Stills are first resized so that their longest edge is this (`size.longest_edge`). */
  longestEdge: number;
  /** The vision encoder's input: square tiles of this side (`max_image_size.longest_edge`). */
  tileSize: number;
  /** Split stills into tiles plus a global image (`do_image_splitting`); else one tile-sized image. */
  splitImages: boolean;
  mean: [number, number, number];
  std: [number, number, number];
  rescaleFactor: number;
}

/** SmolVLM2-256M/500M's values (2048 / 512); the 2.2B model uses 1536 / 384: read them with `smolVlmImageConfig`. */
export const SMOLVLM_IMAGE_CONFIG: SmolVlmImageConfig = {
  longestEdge: 2048,
  tileSize: 512,
  splitImages: true,
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
  rescaleFactor: 1 / 255,
};

const FILE = 'preprocessor_config.json';

function bad(field: string, why: string): ModelError {
  return new ModelError('ERR_MODEL_LOAD', `${FILE}: ${field} ${why}`);
}

function edge(json: Record<string, unknown>, key: string): number {
  const v = (json[key] as Record<string, unknown> | undefined)?.longest_edge;
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw bad(`${key}.longest_edge`, 'must be a positive integer');
  }
  return v;
}

function triple(json: Record<string, unknown>, key: string, fallback: number): [number, number, number] {
  const v = json[key] ?? fallback;
  const list = typeof v === 'number' ? [v, v, v] : v;
  if (!Array.isArray(list) || list.length !== 3 || !list.every((x) => typeof x === 'number')) {
    throw bad(key, 'must be a number or 3 numbers');
  }
  return list as [number, number, number];
}

/**
 * The preprocessing settings from a parsed preprocessor_config.json (Idefics3ImageProcessor's
 * fields and defaults). `size` and `max_image_size` are required; an invalid value is ERR_MODEL_LOAD.
 */
export function smolVlmImageConfig(json: Record<string, unknown>): SmolVlmImageConfig {
  const longestEdge = edge(json, 'size');
  const tileSize = edge(json, 'max_image_size');
  if (longestEdge < tileSize)
    throw bad('size.longest_edge', `(${longestEdge}) is below the tile size (${tileSize})`);
  const rescale = json.rescale_factor ?? 1 / 255;
  if (typeof rescale !== 'number' || !(rescale > 0)) throw bad('rescale_factor', 'must be a positive number');
  const normalize = json.do_normalize !== false;
  const std = normalize ? triple(json, 'image_std', 0.5) : ([1, 1, 1] as [number, number, number]);
  if (std.some((s) => s === 0)) throw bad('image_std', 'must not hold 0');
  return {
    longestEdge,
    tileSize,
    splitImages: json.do_image_splitting !== false,
    mean: normalize ? triple(json, 'image_mean', 0.5) : [0, 0, 0],
    std,
    rescaleFactor: json.do_rescale === false ? 1 : rescale,
  };
}
