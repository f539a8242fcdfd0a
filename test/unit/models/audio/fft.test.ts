import { describe, expect, it } from 'vitest';
import { FftPlan } from '../../../../models/audio/fft.js';

function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const or = new Float64Array(n);
  const oi = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * k * t) / n;
      or[k] = (or[k] as number) + (re[t] as number) * Math.cos(a) - (im[t] as number) * Math.sin(a);
      oi[k] = (oi[k] as number) + (re[t] as number) * Math.sin(a) + (im[t] as number) * Math.cos(a);
    }
  }
  return [or, oi];
}

describe('FftPlan', () => {
  it.each([1, 2, 3, 4, 5, 12, 25, 77, 400, 512])('matches the naive DFT for size %i', (n) => {
    const re = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) + (i % 3));
    const im = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
    const [er, ei] = naiveDft(re, im);
    new FftPlan(n).transform(re, im);
    for (let k = 0; k < n; k++) {
      expect(Math.abs((re[k] as number) - (er[k] as number))).toBeLessThan(1e-9);
      expect(Math.abs((im[k] as number) - (ei[k] as number))).toBeLessThan(1e-9);
    }
  });
});

describe('RealFftPlan', () => {
  it.each([2, 8, 400, 512])('matches the complex FFT of real input for size %i', async (n) => {
    const { RealFftPlan } = await import('../../../../models/audio/fft.js');
    const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + ((i * 7) % 5) / 5);
    const [er, ei] = naiveDft(x, new Float64Array(n));
    const re = new Float64Array(n / 2 + 1);
    const im = new Float64Array(n / 2 + 1);
    new RealFftPlan(n).transform(x, re, im);
    for (let k = 0; k <= n / 2; k++) {
      expect(Math.abs((re[k] as number) - (er[k] as number))).toBeLessThan(1e-9);
      expect(Math.abs((im[k] as number) - (ei[k] as number))).toBeLessThan(1e-9);
    }
  });
});
