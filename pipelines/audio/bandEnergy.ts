import { RealFftPlan } from '../../models/audio/fft.js';

/** The analysis rate every band-energy consumer works at. */
export const BAND_RATE_HZ = 16000;
/** One analysis block: 10 ms at 16 kHz. */
export const BAND_HOP_SAMPLES = 160;
/** The window each block is measured over: its own 10 ms and the 6 ms before (Hann). */
export const BAND_WINDOW_SAMPLES = 256;

/**
 * Band edges as FFT bins (62.5 Hz each at 256 points, 16 kHz): 14 bands from 125 Hz to 8 kHz,
 * narrow where voices differ most (first and second formants) and wider above. Every band has at
 * least 3 bins, so noise alone rarely reads 6 dB above its mean (narrower bands fluctuate too much).
 */
const BAND_EDGE_BINS = [2, 5, 8, 11, 14, 18, 22, 27, 33, 41, 51, 64, 80, 100, 129] as const;

export const BAND_COUNT = BAND_EDGE_BINS.length - 1;

/** The lower and upper edge of band b in Hz. */
export function bandEdgesHz(b: number): [number, number] {
  const hzPerBin = BAND_RATE_HZ / BAND_WINDOW_SAMPLES;
  return [(BAND_EDGE_BINS[b] as number) * hzPerBin, (BAND_EDGE_BINS[b + 1] as number) * hzPerBin];
}

/**
 * Energy per band of one 256-sample window at 16 kHz (Hann, real FFT), as mean power per bin
 * scaled so that white noise of variance σ² reads σ² in every band (full-scale white noise is 1/3).
 * One instance per stream; `measure` allocates nothing.
 */
export class BandEnergyMeter {
  readonly #fft = new RealFftPlan(BAND_WINDOW_SAMPLES);
  readonly #window: Float64Array;
  readonly #frame = new Float64Array(BAND_WINDOW_SAMPLES);
  readonly #re = new Float64Array(BAND_WINDOW_SAMPLES / 2 + 1);
  readonly #im = new Float64Array(BAND_WINDOW_SAMPLES / 2 + 1);
  readonly #norm: Float64Array;

  constructor() {
    const n = BAND_WINDOW_SAMPLES;
    this.#window = Float64Array.from(
      { length: n },
      (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n),
    );
    const windowPower = this.#window.reduce((a, w) => a + w * w, 0);
    this.#norm = Float64Array.from(
      { length: BAND_COUNT },
      (_, b) => 1 / (windowPower * ((BAND_EDGE_BINS[b + 1] as number) - (BAND_EDGE_BINS[b] as number))),
    );
  }

  /**
   * Measures the window of `ring` (a ring buffer of 16 kHz samples, at least BAND_WINDOW_SAMPLES long) that ends just
   * before index `end` (exclusive, any integer: taken modulo the ring) into `out` (BAND_COUNT).
   * Returns the sum of the band energies.
   */
  measure(ring: Float64Array, end: number, out: Float64Array): number {
    const n = BAND_WINDOW_SAMPLES;
    const len = ring.length;
    const start = (((end - n) % len) + len) % len;
    const frame = this.#frame;
    const window = this.#window;
    for (let i = 0; i < n; i++) frame[i] = (ring[(start + i) % len] as number) * (window[i] as number);
    this.#fft.transform(frame, this.#re, this.#im);
    const re = this.#re;
    const im = this.#im;
    let total = 0;
    for (let b = 0; b < BAND_COUNT; b++) {
      let e = 0;
      const hi = Math.min(BAND_EDGE_BINS[b + 1] as number, n / 2 + 1);
      for (let k = BAND_EDGE_BINS[b] as number; k < hi; k++) {
        const r = re[k] as number;
        const m = im[k] as number;
        e += r * r + m * m;
      }
      const v = e * (this.#norm[b] as number);
      out[b] = v;
      total += v;
    }
    return total;
  }
}
