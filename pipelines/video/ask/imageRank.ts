import { readFile } from 'node:fs/promises';
import { isMissingFile } from '../../../core/files.js';
import { SightlineError } from '../../../protocol/errors.js';
import { entryLength, parseFeatureFile as parseFeatureBytes } from '../featureFile.js';
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

/** A text–image feature file's bytes as embeddings (the format of pipelines/video/featureFile.ts). */
export function parseFeatureFile(bytes: Uint8Array): ImageFeatures {
  const { header, data } = parseFeatureBytes(bytes, IMAGE_TEXT_FEATURES);
  if (entryLength(header) !== header.dims) {
    throw new SightlineError('ERR_INVALID_ARGUMENT', `${IMAGE_TEXT_FEATURES}: one row per frame expected`);
  }
  return { dims: header.dims, tMs: header.tMs, rows: data };
}

/** The video's text–image embeddings, or null when the file does not exist (no such model at ingest). */
export async function readImageFeatures(files: VideoFiles, videoId: string): Promise<ImageFeatures | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(files.features(videoId, IMAGE_TEXT_FEATURES));
  } catch (error) {
    if (isMissingFile(error)) return null;
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
