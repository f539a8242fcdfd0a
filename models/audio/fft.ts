/**
 * A mixed-radix complex FFT (Stockham autosort, decimation in frequency) for
 * any size whose prime factors are small (Whisper's n_fft = 400 = 4·4·5·5).
 * Plans precompute every twiddle; `transform` allocates nothing.
 */
export class FftPlan {
  readonly size: number;
  readonly #stages: { p: number; m: number; s: number; tw: Float64Array; pr: Float64Array }[] = [];
  readonly #workRe: Float64Array;
  readonly #workIm: Float64Array;
  readonly #sumRe: Float64Array;
  readonly #sumIm: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('FFT size must be a positive integer');
    this.size = size;
    const factors: number[] = [];
    let rest = size;
    for (const f of [4, 2, 3, 5, 7]) {
      while (rest % f === 0) {
        factors.push(f);
        rest /= f;
      }
    }
    for (let f = 11; rest > 1; f += 2) {
      while (rest % f === 0) {
        factors.push(f);
        rest /= f;
      }
    }
    let n = size;
    let s = 1;
    let maxP = 1;
    for (const p of factors) {
      const m = n / p;
      // tw[(j*p + r)*2] = exp(-2πi·j·r/n): the twiddle applied to output r of butterfly j.
      const tw = new Float64Array(m * p * 2);
      for (let j = 0; j < m; j++) {
        for (let r = 0; r < p; r++) {
          const a = (-2 * Math.PI * j * r) / n;
          tw[(j * p + r) * 2] = Math.cos(a);
          tw[(j * p + r) * 2 + 1] = Math.sin(a);
        }
      }
      // pr[(q*p + r)*2] = exp(-2πi·q·r/p): the size-p DFT matrix.
      const pr = new Float64Array(p * p * 2);
      for (let q = 0; q < p; q++) {
        for (let r = 0; r < p; r++) {
          const a = (-2 * Math.PI * q * r) / p;
          pr[(q * p + r) * 2] = Math.cos(a);
          pr[(q * p + r) * 2 + 1] = Math.sin(a);
        }
      }
      this.#stages.push({ p, m, s, tw, pr });
      maxP = Math.max(maxP, p);
      n = m;
      s *= p;
    }
    this.#workRe = new Float64Array(size);
    this.#workIm = new Float64Array(size);
    this.#sumRe = new Float64Array(maxP);
    this.#sumIm = new Float64Array(maxP);
  }

  /** In-place forward DFT of (re, im): X[k] = Σ x[n]·e^{-2πikn/N}. */
  transform(re: Float64Array, im: Float64Array): void {
    let xr = re;
    let xi = im;
    let yr = this.#workRe;
    let yi = this.#workIm;
    const sumRe = this.#sumRe;
    const sumIm = this.#sumIm;
    for (const { p, m, s, tw, pr } of this.#stages) {
      for (let j = 0; j < m; j++) {
        for (let k = 0; k < s; k++) {
          for (let r = 0; r < p; r++) {
            sumRe[r] = 0;
            sumIm[r] = 0;
          }
          for (let q = 0; q < p; q++) {
            const idx = k + s * (j + m * q);
            const ar = xr[idx] as number;
            const ai = xi[idx] as number;
            for (let r = 0; r < p; r++) {
              const wr = pr[(q * p + r) * 2] as number;
              const wi = pr[(q * p + r) * 2 + 1] as number;
              sumRe[r] = (sumRe[r] as number) + ar * wr - ai * wi;
              sumIm[r] = (sumIm[r] as number) + ar * wi + ai * wr;
            }
          }
          for (let r = 0; r < p; r++) {
            const wr = tw[(j * p + r) * 2] as number;
            const wi = tw[(j * p + r) * 2 + 1] as number;
            const out = k + s * (p * j + r);
            const a = sumRe[r] as number;
            const b = sumIm[r] as number;
            yr[out] = a * wr - b * wi;
            yi[out] = a * wi + b * wr;
          }
        }
      }
      [xr, yr] = [yr, xr];
      [xi, yi] = [yi, xi];
    }
    if (xr !== re) {
      re.set(xr);
      im.set(xi);
    }
  }
}
