import { describe, expect, it } from 'vitest';
import { ctcGreedyDecode } from '../../../../models/ocr/ctc.js';

const CHARS = ['<blank>', 'a', 'b', 'c'];

/** One probability row per step: `best` gets `p`, the rest share what is left. */
function rows(steps: [best: number, p: number][]): Float32Array {
  const out = new Float32Array(steps.length * CHARS.length);
  steps.forEach(([best, p], t) => {
    for (let k = 0; k < CHARS.length; k++) out[t * CHARS.length + k] = k === best ? p : (1 - p) / 3;
  });
  return out;
}

describe('ctcGreedyDecode', () => {
  it('drops blanks and merges repeats, but keeps a letter repeated across a blank', () => {
    const probs = rows([
      [1, 0.9],
      [1, 0.8],
      [0, 0.9],
      [1, 0.7],
      [2, 0.6],
      [2, 0.9],
      [3, 0.5],
      [0, 0.99],
    ]);
    const r = ctcGreedyDecode(probs, 8, CHARS.length, CHARS);
    expect(r.text).toBe('aabc');
    // Kept steps: a(0.9), a(0.7), b(0.6), c(0.5); a repeat's probability is not counted again.
    expect(r.confidence).toBeCloseTo((0.9 + 0.7 + 0.6 + 0.5) / 4, 6);
  });

  it('reads a leading letter (the previous class starts as blank) and the last step', () => {
    const r = ctcGreedyDecode(
      rows([
        [3, 0.8],
        [0, 0.9],
        [2, 0.6],
      ]),
      3,
      CHARS.length,
      CHARS,
    );
    expect(r).toEqual({ text: 'cb', confidence: expect.closeTo(0.7, 6) });
  });

  it('picks the first class on a tie and gives confidence 0 for an empty line', () => {
    const tie = new Float32Array([0.1, 0.45, 0.45, 0]);
    expect(ctcGreedyDecode(tie, 1, CHARS.length, CHARS).text).toBe('a');
    expect(
      ctcGreedyDecode(
        rows([
          [0, 0.9],
          [0, 0.9],
        ]),
        2,
        CHARS.length,
        CHARS,
      ),
    ).toEqual({
      text: '',
      confidence: 0,
    });
  });
});
