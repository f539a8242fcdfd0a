import { describe, expect, it } from 'vitest';
import { Sampler, type SamplingOptions } from '../../../../models/vlm/sampling.js';

/** Relative frequency of each token over `n` draws from one seeded sampler. */
function frequencies(logits: number[], options: SamplingOptions, n = 20_000): number[] {
  const sampler = new Sampler({ seed: 7, ...options });
  const counts = new Array<number>(logits.length).fill(0);
  for (let i = 0; i < n; i++) {
    const id = sampler.next(Float32Array.from(logits), []);
    counts[id] = (counts[id] as number) + 1;
  }
  return counts.map((c) => c / n);
}

function softmax(logits: number[], temperature: number): number[] {
  const e = logits.map((l) => Math.exp(l / temperature));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / sum);
}

describe('Sampler', () => {
  it('is greedy at temperature 0: the first index of the largest logit', () => {
    const s = new Sampler();
    expect(s.next(Float32Array.from([0.1, 2, -1, 1.9]), [])).toBe(1);
    expect(s.next(Float32Array.from([-3, -1, -1, -2]), [])).toBe(1);
    expect(s.next(Float32Array.from([0, 0, 5]), [])).toBe(2);
  });

  it('divides a positive logit of an earlier token by the repetition penalty', () => {
    const logits = Float32Array.from([2, 1.9, -4]);
    expect(new Sampler({ repetitionPenalty: 1.3 }).next(logits, [0])).toBe(1);
    expect(logits[0]).toBeCloseTo(2 / 1.3, 6);
    expect(logits[1]).toBe(Float32Array.from([1.9])[0]);
  });

  it('multiplies a negative logit of an earlier token by the repetition penalty', () => {
    const logits = Float32Array.from([-1, -1.2, -5]);
    expect(new Sampler({ repetitionPenalty: 1.3 }).next(logits, [0])).toBe(1);
    expect(logits[0]).toBeCloseTo(-1.3, 6);
    expect(logits[2]).toBe(-5);
  });

  it('penalises a token once however often it occurred', () => {
    const logits = Float32Array.from([2, 1.7]);
    expect(new Sampler({ repetitionPenalty: 1.1 }).next(logits, [0, 0, 0])).toBe(0);
    expect(logits[0]).toBeCloseTo(2 / 1.1, 6);
  });

  it('samples in proportion to softmax(logits / temperature)', () => {
    const logits = [0, Math.log(2), Math.log(3), Math.log(4)];
    for (const temperature of [1, 2, 0.5]) {
      const seen = frequencies(logits, { temperature });
      const want = softmax(logits, temperature);
      for (const [i, p] of want.entries()) expect(Math.abs((seen[i] as number) - p)).toBeLessThan(0.015);
    }
  });

  it('keeps only the smallest set of likeliest tokens whose mass reaches top-p, renormalised', () => {
    const logits = [0.5, 0.3, 0.15, 0.05].map(Math.log);
    const two = frequencies(logits, { temperature: 1, topP: 0.75 });
    expect(two[2]).toBe(0);
    expect(two[3]).toBe(0);
    expect(Math.abs((two[0] as number) - 0.5 / 0.8)).toBeLessThan(0.015);
    const three = frequencies(logits, { temperature: 1, topP: 0.9 });
    expect(three[3]).toBe(0);
    expect(Math.abs((three[2] as number) - 0.15 / 0.95)).toBeLessThan(0.015);
    const all = frequencies(logits, { temperature: 1 });
    expect(Math.abs((all[3] as number) - 0.05)).toBeLessThan(0.01);
  });

  it('is reproducible for a seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const s = new Sampler({ temperature: 1, seed });
      return Array.from({ length: 40 }, () => s.next(new Float32Array(16), []));
    };
    expect(draw(3)).toEqual(draw(3));
    expect(draw(3)).not.toEqual(draw(4));
  });
});
