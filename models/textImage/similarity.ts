import { ModelError } from '../runtime/errors.js';

/** `v` scaled to unit length (a copy). A zero or non-finite vector has no direction: ERR_MODEL_RUN. */
export function l2Normalize(v: Float32Array): Float32Array {
  let sq = 0;
  for (const x of v) sq += x * x;
  const norm = Math.sqrt(sq);
  if (!(norm > 0) || !Number.isFinite(norm))
    throw new ModelError(
      'ERR_MODEL_RUN',
      `an embedding of ${v.length} values has no direction (norm ${norm})`,
    );
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = (v[i] as number) / norm;
  return out;
}

function dotAt(a: Float32Array, b: Float32Array, offset: number, dims: number): { dot: number; sq: number } {
  let dot = 0;
  let sq = 0;
  for (let i = 0; i < dims; i++) {
    const y = b[offset + i] as number;
    dot += (a[i] as number) * y;
    sq += y * y;
  }
  return { dot, sq };
}

function norm(v: Float32Array): number {
  let sq = 0;
  for (const x of v) sq += x * x;
  return Math.sqrt(sq);
}

/** Cosine similarity in [−1, 1] (the dot product when both are unit vectors). Lengths must agree. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length)
    throw new ModelError('ERR_MODEL_INPUT', `cosine of vectors of ${a.length} and ${b.length} values`);
  const { dot, sq } = dotAt(a, b, 0, a.length);
  const denominator = norm(a) * Math.sqrt(sq);
  return denominator > 0 ? dot / denominator : 0;
}

/** One row of a ranking: its index in the matrix and its cosine with the query. */
export interface RankedRow {
  index: number;
  score: number;
}

/**
 * Rows of `matrix` (row-major, `dims` values per row: the layout of a video's
 * `image-text.f32`) ranked by cosine with `query`, best first; ties keep row
 * order. At most `limit` rows (default all). A row of zeros scores 0.
 */
export function rankByCosine(
  query: Float32Array,
  matrix: Float32Array,
  dims: number,
  limit = Number.POSITIVE_INFINITY,
): RankedRow[] {
  if (query.length !== dims || dims <= 0 || matrix.length % dims !== 0)
    throw new ModelError(
      'ERR_MODEL_INPUT',
      `ranking a query of ${query.length} values against ${matrix.length} values in rows of ${dims}`,
    );
  const qNorm = norm(query);
  const rows = matrix.length / dims;
  const ranked: RankedRow[] = [];
  for (let r = 0; r < rows; r++) {
    const { dot, sq } = dotAt(query, matrix, r * dims, dims);
    const denominator = qNorm * Math.sqrt(sq);
    ranked.push({ index: r, score: denominator > 0 ? dot / denominator : 0 });
  }
  ranked.sort((a, b) => b.score - a.score || a.index - b.index);
  return ranked.slice(0, limit);
}
