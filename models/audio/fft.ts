import { SightlineError } from '../../protocol/errors.js';

/** [(a*cols + b)*2] = cos, sin of −2π·a·b/n, for a < rows, b < cols. */
function unitRoots(rows: number, cols: number, n: number): Float64Array {
  const out = new Float64Array(rows * cols * 2);
  for (let a = 0; a < rows; a++) {
    for (let b = 0; b < cols; b++) {
      const angle = (-2 * Math.PI * a * b) / n;
      out[(a * cols + b) * 2] = Math.cos(angle);
      out[(a * cols + b) * 2 + 1] = Math.sin(angle);
    }
  }
  return out;
}

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
    if (!Number.isInteger(size) || size < 1)
      throw new SightlineError('ERR_INVALID_ARGUMENT', 'FFT size must be a positive integer');
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
      const tw = unitRoots(m, p, n);
      // pr[(q*p + r)*2] = exp(-2πi·q·r/p): the size-p DFT matrix.
      const pr = unitRoots(p, p, p);
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
      if (p === 4) {
        // Radix-4 butterfly: the size-4 DFT needs only additions and multiplications by ±i.
        for (let j = 0; j < m; j++) {
          const t = j * 8;
          const w1r = tw[t + 2] as number;
          const w1i = tw[t + 3] as number;
          const w2r = tw[t + 4] as number;
          const w2i = tw[t + 5] as number;
          const w3r = tw[t + 6] as number;
          const w3i = tw[t + 7] as number;
          for (let k = 0; k < s; k++) {
            const i0 = k + s * j;
            const i1 = i0 + s * m;
            const i2 = i1 + s * m;
            const i3 = i2 + s * m;
            const ar = xr[i0] as number;
            const ai = xi[i0] as number;
            const br = xr[i1] as number;
            const bi = xi[i1] as number;
            const cr = xr[i2] as number;
            const ci = xi[i2] as number;
            const dr = xr[i3] as number;
            const di = xi[i3] as number;
            const s0r = ar + cr;
            const s0i = ai + ci;
            const s1r = ar - cr;
            const s1i = ai - ci;
            const s2r = br + dr;
            const s2i = bi + di;
            const s3r = br - dr;
            const s3i = bi - di;
            const o = k + s * 4 * j;
            yr[o] = s0r + s2r;
            yi[o] = s0i + s2i;
            // r = 1: (s1 - i·s3)·w1
            const y1r = s1r + s3i;
            const y1i = s1i - s3r;
            yr[o + s] = y1r * w1r - y1i * w1i;
            yi[o + s] = y1r * w1i + y1i * w1r;
            const y2r = s0r - s2r;
            const y2i = s0i - s2i;
            yr[o + 2 * s] = y2r * w2r - y2i * w2i;
            yi[o + 2 * s] = y2r * w2i + y2i * w2r;
            // r = 3: (s1 + i·s3)·w3
            const y3r = s1r - s3i;
            const y3i = s1i + s3r;
            yr[o + 3 * s] = y3r * w3r - y3i * w3i;
            yi[o + 3 * s] = y3r * w3i + y3i * w3r;
          }
        }
        [xr, yr] = [yr, xr];
        [xi, yi] = [yi, xi];
        continue;
      }
      if (p === 5) {
        this.#radix5(xr, xi, yr, yi, m, s, tw);
        [xr, yr] = [yr, xr];
        [xi, yi] = [yi, xi];
        continue;
      }
      if (p === 2) {
        for (let j = 0; j < m; j++) {
          const wr = tw[j * 4 + 2] as number;
          const wi = tw[j * 4 + 3] as number;
          for (let k = 0; k < s; k++) {
            const i0 = k + s * j;
            const i1 = i0 + s * m;
            const ar = xr[i0] as number;
            const ai = xi[i0] as number;
            const br = xr[i1] as number;
            const bi = xi[i1] as number;
            const o = k + s * 2 * j;
            yr[o] = ar + br;
            yi[o] = ai + bi;
            const dr = ar - br;
            const di = ai - bi;
            yr[o + s] = dr * wr - di * wi;
            yi[o + s] = dr * wi + di * wr;
          }
        }
        [xr, yr] = [yr, xr];
        [xi, yi] = [yi, xi];
        continue;
      }
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

  /** Radix-5 butterflies with the symmetric (cos, sin) form of the size-5 DFT. */
  #radix5(
    xr: Float64Array,
    xi: Float64Array,
    yr: Float64Array,
    yi: Float64Array,
    m: number,
    s: number,
    tw: Float64Array,
  ): void {
    const c1 = Math.cos((2 * Math.PI) / 5);
    const c2 = Math.cos((4 * Math.PI) / 5);
    const s1 = Math.sin((2 * Math.PI) / 5);
    const s2 = Math.sin((4 * Math.PI) / 5);
    const out = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let j = 0; j < m; j++) {
      for (let k = 0; k < s; k++) {
        const i0 = k + s * j;
        const step = s * m;
        const a0r = xr[i0] as number;
        const a0i = xi[i0] as number;
        const a1r = xr[i0 + step] as number;
        const a1i = xi[i0 + step] as number;
        const a2r = xr[i0 + 2 * step] as number;
        const a2i = xi[i0 + 2 * step] as number;
        const a3r = xr[i0 + 3 * step] as number;
        const a3i = xi[i0 + 3 * step] as number;
        const a4r = xr[i0 + 4 * step] as number;
        const a4i = xi[i0 + 4 * step] as number;
        const t1r = a1r + a4r;
        const t1i = a1i + a4i;
        const t2r = a2r + a3r;
        const t2i = a2i + a3i;
        const t3r = a1r - a4r;
        const t3i = a1i - a4i;
        const t4r = a2r - a3r;
        const t4i = a2i - a3i;
        const b1r = a0r + c1 * t1r + c2 * t2r;
        const b1i = a0i + c1 * t1i + c2 * t2i;
        const b2r = a0r + c2 * t1r + c1 * t2r;
        const b2i = a0i + c2 * t1i + c1 * t2i;
        const d1r = s1 * t3r + s2 * t4r;
        const d1i = s1 * t3i + s2 * t4i;
        const d2r = s2 * t3r - s1 * t4r;
        const d2i = s2 * t3i - s1 * t4i;
        // y1 = b1 − i·d1, y4 = b1 + i·d1, y2 = b2 − i·d2, y3 = b2 + i·d2
        out[0] = a0r + t1r + t2r;
        out[1] = a0i + t1i + t2i;
        out[2] = b1r + d1i;
        out[3] = b1i - d1r;
        out[4] = b2r + d2i;
        out[5] = b2i - d2r;
        out[6] = b2r - d2i;
        out[7] = b2i + d2r;
        out[8] = b1r - d1i;
        out[9] = b1i + d1r;
        const o = k + s * 5 * j;
        yr[o] = out[0] as number;
        yi[o] = out[1] as number;
        for (let r = 1; r < 5; r++) {
          const wr = tw[(j * 5 + r) * 2] as number;
          const wi = tw[(j * 5 + r) * 2 + 1] as number;
          const vr = out[2 * r] as number;
          const vi = out[2 * r + 1] as number;
          yr[o + r * s] = vr * wr - vi * wi;
          yi[o + r * s] = vr * wi + vi * wr;
        }
      }
    }
  }
}

/**
 * FFT of real input of even size N through one complex FFT of size N/2
 * (even samples as real parts, odd as imaginary, then one untangling pass):
 * about half the work of a complex FFT of size N.
 */
export class RealFftPlan {
  readonly size: number;
  readonly #half: FftPlan;
  readonly #zr: Float64Array;
  readonly #zi: Float64Array;
  readonly #cos: Float64Array;
  readonly #sin: Float64Array;

  constructor(size: number) {
    if (size % 2 !== 0) throw new SightlineError('ERR_INVALID_ARGUMENT', 'RealFftPlan needs an even size');
    this.size = size;
    const h = size / 2;
    this.#half = new FftPlan(h);
    this.#zr = new Float64Array(h);
    this.#zi = new Float64Array(h);
    this.#cos = Float64Array.from({ length: h + 1 }, (_, k) => Math.cos((-2 * Math.PI * k) / size));
    this.#sin = Float64Array.from({ length: h + 1 }, (_, k) => Math.sin((-2 * Math.PI * k) / size));
  }

  /** Writes bins 0…N/2 of the DFT of `input` (length N) into outRe/outIm (length N/2 + 1). */
  transform(input: ArrayLike<number>, outRe: Float64Array, outIm: Float64Array): void {
    const h = this.size / 2;
    const zr = this.#zr;
    const zi = this.#zi;
    for (let n = 0; n < h; n++) {
      zr[n] = input[2 * n] as number;
      zi[n] = input[2 * n + 1] as number;
    }
    this.#half.transform(zr, zi);
    for (let k = 0; k <= h; k++) {
      const a = k % h;
      const b = (h - k) % h;
      const zkr = zr[a] as number;
      const zki = zi[a] as number;
      const znr = zr[b] as number;
      const zni = -(zi[b] as number); // conj(Z[h - k])
      const er = 0.5 * (zkr + znr); // even part
      const ei = 0.5 * (zki + zni);
      const or = 0.5 * (zki - zni); // odd part: (Z[k] - conj(Z[h-k])) / 2i
      const oi = -0.5 * (zkr - znr);
      const c = this.#cos[k] as number;
      const sn = this.#sin[k] as number;
      outRe[k] = er + or * c - oi * sn;
      outIm[k] = ei + or * sn + oi * c;
    }
  }
}
