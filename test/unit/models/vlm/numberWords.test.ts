import { describe, expect, it } from 'vitest';
import { numberToWords } from '../../../../models/vlm/numberWords.js';

describe('numberToWords (as Python num2words writes English cardinals)', () => {
  it.each([
    [0, 'zero'],
    [1, 'one'],
    [7, 'seven'],
    [13, 'thirteen'],
    [19, 'nineteen'],
    [20, 'twenty'],
    [21, 'twenty-one'],
    [40, 'forty'],
    [64, 'sixty-four'],
    [99, 'ninety-nine'],
    [100, 'one hundred'],
    [101, 'one hundred and one'],
    [110, 'one hundred and ten'],
    [199, 'one hundred and ninety-nine'],
    [300, 'three hundred'],
    [512, 'five hundred and twelve'],
    [999, 'nine hundred and ninety-nine'],
    [1000, 'one thousand'],
    [1001, 'one thousand and one'],
    [1100, 'one thousand, one hundred'],
    [4778, 'four thousand, seven hundred and seventy-eight'],
    [21_000, 'twenty-one thousand'],
    [999_999, 'nine hundred and ninety-nine thousand, nine hundred and ninety-nine'],
  ])('%i is "%s"', (n, words) => {
    expect(numberToWords(n)).toBe(words);
  });

  it('spells every number 1..999 uniquely', () => {
    const all = Array.from({ length: 999 }, (_, i) => numberToWords(i + 1));
    expect(new Set(all).size).toBe(999);
    expect(all.every((w) => /^[a-z]+([ -][a-z]+)*$/.test(w))).toBe(true);
  });

  it.each([-1, 1.5, 1_000_000, Number.NaN])('refuses %s with ERR_MODEL_INPUT', (n) => {
    expect(() => numberToWords(n)).toThrow(expect.objectContaining({ code: 'ERR_MODEL_INPUT' }));
  });
});
