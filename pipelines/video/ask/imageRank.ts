import { readFile } from 'node:fs/promises';
import { ModelError } from '../../../models/runtime/errors.js';
import type { TextImageModel, VideoFiles } from '../types.js';

/** The feature file of text–image embeddings the `features` stage writes, one row per frame. */
export const IMAGE_TEXT_FEATURES = 'image-text.f32';

/** Frame embeddings: `rows` holds `tMs.length` rows of `dims` floats. */
export interface ImageFeatures {
  dims: number;
  tMs: number[];
  rows: Float32Array;
}

/** One frame's similarity to a text. */
export interface FrameSimilarity {
  tMs: number;
  /** Cosine similarity (both sides L2-normalised), −1…1. */
  similarity: number;
}

/**
 * Parses a feature file: one JSON header line `{"dims":N,"tMs":[…]}\n`, then
 * float32 little-endian rows, one per `tMs`. (The ingest side's
 * pipelines/video/featureFile.ts owns the format; this reader only depends on
 * it through this function.)
 */
export function parseFeatureFile(bytes: Uint8Array): ImageFeatures {
  const nl = bytes.indexOf(0x0a);
  if (nl < 0) throw new ModelError('ERR_MODEL_INPUT', 'feature file: no header line');
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(0, nl)).toString('utf8'));
  } catch (error) {
    throw new ModelError('ERR_MODEL_INPUT', 'feature file: the header is not JSON', { cause: error });
  }
  const h = header as { dims?: unknown; tMs?: unknown };
  if (
    typeof h.dims !== 'number' ||
    !Number.isInteger(h.dims) ||
    h.dims <= 0 ||
    !Array.isArray(h.tMs) ||
    !h.tMs.every((t) => typeof t === 'number')
  ) {
    throw new ModelError('ERR_MODEL_INPUT', 'feature file: the header needs dims and tMs');
  }
  const tMs = h.tMs as number[];
  const body = bytes.subarray(nl + 1);
  if (body.length !== tMs.length * h.dims * 4) {
    throw new ModelError(
      'ERR_MODEL_INPUT',
      `feature file: ${body.length} bytes of rows, expected ${tMs.length} × ${h.dims} floats`,
    );
  }
  const rows = new Float32Array(tMs.length * h.dims);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  for (let i = 0; i < rows.length; i++) rows[i] = view.getFloat32(i * 4, true);
  return { dims: h.dims, tMs, rows };
}

/** The video's text–image embeddings, or null when the file does not exist (no such model at ingest). */
export async function readImageFeatures(files: VideoFiles, videoId: string): Promise<ImageFeatures | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(files.features(videoId, IMAGE_TEXT_FEATURES));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  return parseFeatureFile(bytes);
}

/**
 * Every frame's cosine similarity to `text`, best first. Null when the
 * embeddings were made by a model of another width than `model` (a changed
 * configuration: the text ranking alone is used then).
 */
export async function rankFramesByText(
  model: TextImageModel,
  features: ImageFeatures,
  text: string,
  signal?: AbortSignal,
): Promise<FrameSimilarity[] | null> {
  if (features.dims !== model.dims) return null;
  const q = await model.embedText(text, signal ? { signal } : undefined);
  if (q.length !== features.dims) return null;
  const out: FrameSimilarity[] = features.tMs.map((tMs, i) => {
    let dot = 0;
    const base = i * features.dims;
    for (let d = 0; d < features.dims; d++) dot += (features.rows[base + d] ?? 0) * (q[d] ?? 0);
    return { tMs, similarity: dot };
  });
  return out.sort((a, b) => b.similarity - a.similarity || a.tMs - b.tMs);
}
