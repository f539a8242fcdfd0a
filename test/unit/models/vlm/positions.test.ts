import { describe, expect, it } from 'vitest';
import { promptPositions } from '../../../../models/vlm/positions.js';

const I = 9;
const t = 1;

describe('promptPositions: kept image rows keep the positions they had with the whole block', () => {
  it('counts 0…T−1 when every block is whole', () => {
    const ids = [t, I, I, I, t, I, I, I, t];
    const blocks = [
      { size: 3, kept: null },
      { size: 3, kept: [0, 1, 2] },
    ];
    expect(promptPositions(ids, I, blocks)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('leaves gaps where rows were dropped, and continues after the block as if it were whole', () => {
    const ids = [t, t, I, I, I, t, t];
    expect(promptPositions(ids, I, [{ size: 5, kept: [0, 2, 4] }])).toEqual([0, 1, 2, 4, 6, 7, 8]);
    expect(promptPositions(ids, I, [{ size: 8, kept: Uint16Array.from([1, 2, 7]) }])).toEqual([
      0, 1, 3, 4, 9, 10, 11,
    ]);
  });

  it('skips blocks with no kept rows (their frame is not in the prompt)', () => {
    const ids = [t, I, t, I, I, t];
    const blocks = [
      { size: 4, kept: [3] },
      { size: 4, kept: [] },
      { size: 4, kept: [0, 1] },
    ];
    expect(promptPositions(ids, I, blocks)).toEqual([0, 4, 5, 6, 7, 10]);
  });

  it('refuses counts that do not match the prompt, and positions out of order or range', () => {
    const code = { code: 'ERR_MODEL_INPUT' };
    expect(() => promptPositions([t, I, I, t], I, [{ size: 4, kept: [0] }])).toThrow(
      expect.objectContaining(code),
    );
    expect(() => promptPositions([t, I, t, I, t], I, [{ size: 4, kept: [0, 1] }])).toThrow(
      expect.objectContaining(code),
    );
    expect(() =>
      promptPositions([t, I, t], I, [
        { size: 4, kept: [0] },
        { size: 4, kept: [1] },
      ]),
    ).toThrow(expect.objectContaining(code));
    expect(() => promptPositions([I, I], I, [{ size: 4, kept: [2, 1] }])).toThrow(
      expect.objectContaining(code),
    );
    expect(() => promptPositions([I], I, [{ size: 4, kept: [4] }])).toThrow(expect.objectContaining(code));
  });
});
