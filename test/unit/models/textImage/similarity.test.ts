import { describe, expect, it } from 'vitest';
import { cosineSimilarity, l2Normalize, rankByCosine } from '../../../../models/textImage/similarity.js';

const f32 = (...v: number[]) => Float32Array.from(v);
const code = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return 'returned';
};

describe('l2Normalize', () => {
  it('scales to unit length and keeps the direction', () => {
    const v = l2Normalize(f32(3, 4));
    expect(Array.from(v)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
  });
  it('a zero or non-finite vector has no direction: ERR_MODEL_RUN', () => {
    expect(code(() => l2Normalize(f32(0, 0, 0)))).toBe('ERR_MODEL_RUN');
    expect(code(() => l2Normalize(f32(Number.NaN, 1)))).toBe('ERR_MODEL_RUN');
  });
});

describe('cosineSimilarity', () => {
  it('is 1 for the same direction, 0 for orthogonal, −1 for opposite, whatever the lengths', () => {
    expect(cosineSimilarity(f32(1, 2), f32(2, 4))).toBeCloseTo(1, 6);
    expect(cosineSimilarity(f32(1, 0), f32(0, 5))).toBeCloseTo(0, 6);
    expect(cosineSimilarity(f32(1, 1), f32(-3, -3))).toBeCloseTo(-1, 6);
  });
  it('vectors of different lengths are ERR_MODEL_INPUT', () => {
    expect(code(() => cosineSimilarity(f32(1, 2), f32(1, 2, 3)))).toBe('ERR_MODEL_INPUT');
  });
});

describe('rankByCosine: the frame whose image embedding is closest to the text embedding comes first', () => {
  // Five frames in a 4-d space; the query sits 10° from frame 3 and farther from every other.
  const angle = (deg: number) => f32(Math.cos((deg * Math.PI) / 180), Math.sin((deg * Math.PI) / 180), 0, 0);
  const frames = [angle(90), angle(-60), f32(0, 0, 1, 0), angle(30), f32(0, 0, 0, 1)];
  const matrix = new Float32Array(frames.length * 4);
  for (const [i, v] of frames.entries()) matrix.set(l2Normalize(v), i * 4);
  const query = l2Normalize(angle(40));

  it('orders rows by cosine, best first, with the true scores', () => {
    const ranked = rankByCosine(query, matrix, 4);
    // Frames 2 and 4 are orthogonal to the query (0, tied: row order); frame 1 is 100° away (negative).
    expect(ranked.map((r) => r.index)).toEqual([3, 0, 2, 4, 1]);
    expect(ranked[0]?.score).toBeCloseTo(Math.cos((10 * Math.PI) / 180), 5);
    expect(ranked[1]?.score).toBeCloseTo(Math.cos((50 * Math.PI) / 180), 5);
    expect(ranked[2]?.score).toBeCloseTo(0, 6);
    expect(ranked[4]?.score).toBeCloseTo(Math.cos((100 * Math.PI) / 180), 5);
  });

  it('does not depend on the rows being unit vectors', () => {
    const scaled = matrix.map((x, i) => (Math.floor(i / 4) === 3 ? x * 0.01 : x * 50));
    expect(rankByCosine(query, scaled, 4)[0]?.index).toBe(3);
  });

  it('keeps the first `limit`, ties in row order; a zero row scores 0', () => {
    const tied = new Float32Array(12);
    tied.set(f32(1, 0, 0, 0), 0);
    tied.set(f32(1, 0, 0, 0), 8);
    const ranked = rankByCosine(f32(1, 0, 0, 0), tied, 4, 2);
    expect(ranked).toEqual([
      { index: 0, score: 1 },
      { index: 2, score: 1 },
    ]);
    expect(rankByCosine(f32(1, 0, 0, 0), tied, 4)[2]).toEqual({ index: 1, score: 0 });
  });

  it('a query or matrix of the wrong width is ERR_MODEL_INPUT', () => {
    expect(code(() => rankByCosine(f32(1, 0, 0), matrix, 4))).toBe('ERR_MODEL_INPUT');
    expect(code(() => rankByCosine(query, matrix.subarray(0, 7), 4))).toBe('ERR_MODEL_INPUT');
  });
});
