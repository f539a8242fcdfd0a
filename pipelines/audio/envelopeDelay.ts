import { SightlineError } from '../../protocol/errors.js';

/** The lag whose envelopes match best, and how well (normalised cross-correlation, −1…1). */
export interface DelayEstimate {
  lagBlocks: number;
  correlation: number;
}

/**
 * Estimates the delay between a reference signal and a microphone that hears it (speaker → room →
 * mic), from their per-band log-energy envelopes, one row per analysis block. For every candidate
 * lag it keeps exponentially weighted means, variances and the covariance of each band's mic
 * envelope against the reference envelope that many blocks earlier; the estimate is the lag with
 * the highest normalised cross-correlation, pooled over bands (each band's mean removed, so the
 * spectral tilt both share does not count). The weights start as a plain average and settle at
 * `timeConstantBlocks`, so the estimate locks on within a few hundred ms and then follows drift.
 * Memory and work per update are O(lags × bands); nothing is allocated after construction.
 */
export class EnvelopeDelayEstimator {
  readonly maxLagBlocks: number;
  readonly bands: number;
  readonly #tau: number;
  readonly #mx: Float64Array;
  readonly #mxx: Float64Array;
  readonly #my: Float64Array;
  readonly #myy: Float64Array;
  readonly #mxy: Float64Array;
  #updates = 0;

  constructor(maxLagBlocks: number, bands: number, timeConstantBlocks = 200) {
    if (!(Number.isInteger(maxLagBlocks) && maxLagBlocks >= 0 && Number.isInteger(bands) && bands > 0)) {
      throw new SightlineError(
        'ERR_INVALID_ARGUMENT',
        'maxLagBlocks and bands must be non-negative integers',
      );
    }
    this.maxLagBlocks = maxLagBlocks;
    this.bands = bands;
    this.#tau = Math.max(1, timeConstantBlocks);
    const lags = maxLagBlocks + 1;
    this.#mx = new Float64Array(bands);
    this.#mxx = new Float64Array(bands);
    this.#my = new Float64Array(lags * bands);
    this.#myy = new Float64Array(lags * bands);
    this.#mxy = new Float64Array(lags * bands);
  }

  /** Blocks seen since construction or `reset`. */
  get updates(): number {
    return this.#updates;
  }

  reset(): void {
    this.#updates = 0;
    for (const a of [this.#mx, this.#mxx, this.#my, this.#myy, this.#mxy]) a.fill(0);
  }

  /**
   * Adds one block: `mic` (bands values, log energy) and, for each lag 0…maxLagBlocks, the
   * reference row `refRows[lag]` (an offset into `ref`, bands values from there) that many blocks
   * earlier.
   */
  update(mic: Float64Array, ref: Float64Array, refRows: Int32Array): void {
    this.#updates++;
    const a = Math.max(1 / this.#updates, 1 / this.#tau);
    const keep = 1 - a;
    const nb = this.bands;
    for (let b = 0; b < nb; b++) {
      const x = mic[b] as number;
      this.#mx[b] = keep * (this.#mx[b] as number) + a * x;
      this.#mxx[b] = keep * (this.#mxx[b] as number) + a * x * x;
    }
    const my = this.#my;
    const myy = this.#myy;
    const mxy = this.#mxy;
    for (let lag = 0; lag <= this.maxLagBlocks; lag++) {
      const row = refRows[lag] as number;
      const at = lag * nb;
      for (let b = 0; b < nb; b++) {
        const x = mic[b] as number;
        const y = ref[row + b] as number;
        my[at + b] = keep * (my[at + b] as number) + a * y;
        myy[at + b] = keep * (myy[at + b] as number) + a * y * y;
        mxy[at + b] = keep * (mxy[at + b] as number) + a * x * y;
      }
    }
  }

  /** The correlation at one lag, pooled over bands; 0 when either side has no variance. */
  correlationAt(lag: number): number {
    const nb = this.bands;
    let cov = 0;
    let vx = 0;
    let vy = 0;
    const at = lag * nb;
    for (let b = 0; b < nb; b++) {
      const mx = this.#mx[b] as number;
      const my = this.#my[at + b] as number;
      cov += (this.#mxy[at + b] as number) - mx * my;
      vx += (this.#mxx[b] as number) - mx * mx;
      vy += (this.#myy[at + b] as number) - my * my;
    }
    const den = Math.sqrt(Math.max(0, vx) * Math.max(0, vy));
    return den > 1e-12 ? cov / den : 0;
  }

  /** Writes the correlation at every lag 0…maxLagBlocks into `out`; returns the best lag. */
  correlations(out: Float64Array): number {
    let best = 0;
    for (let lag = 0; lag <= this.maxLagBlocks; lag++) {
      const c = this.#updates > 0 ? this.correlationAt(lag) : 0;
      out[lag] = c;
      if (c > (out[best] as number)) best = lag;
    }
    return best;
  }

  /** The best lag so far (lag 0 and correlation 0 before any update). */
  best(): DelayEstimate {
    let lagBlocks = 0;
    let correlation = this.#updates > 0 ? this.correlationAt(0) : 0;
    if (this.#updates === 0) return { lagBlocks, correlation };
    for (let lag = 1; lag <= this.maxLagBlocks; lag++) {
      const c = this.correlationAt(lag);
      if (c > correlation) {
        correlation = c;
        lagBlocks = lag;
      }
    }
    return { lagBlocks, correlation };
  }
}
