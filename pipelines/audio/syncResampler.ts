import { SightlineError } from '../../protocol/errors.js';

/** Fractional positions between input samples are rounded to one of this many kernel phases. */
const PHASES = 64;

/** Kernel half-width in samples of the lower rate (8 → 16 taps at 1:1, 48 taps for 48 → 16 kHz). */
const HALF_TAPS_AT_LOWER_RATE = 8;

/** Passband kept, as a share of the lower rate's Nyquist frequency. */
const PASSBAND = 0.9;

function sinc(x: number): number {
  if (x === 0) return 1;
  const px = Math.PI * x;
  return Math.sin(px) / px;
}

/** Blackman window on [−1, 1]. */
function blackman(u: number): number {
  if (Math.abs(u) >= 1) return 0;
  const a = Math.PI * (u + 1);
  return 0.42 - 0.5 * Math.cos(a) + 0.08 * Math.cos(2 * a);
}

/**
 * Synchronous streaming sample-rate conversion with a windowed-sinc kernel (Blackman, 90 % of the
 * lower rate's Nyquist kept), for analysis paths that must not await: the echo guard's reference
 * (TTS at 24 kHz, the sink at 48 kHz, down to 16 kHz). Cheaper and rougher than the libsamplerate
 * stage in resample.ts (stopband about −55 dB, phase rounded to 1/64 sample), which stays the one
 * for audio people hear.
 *
 * Output sample n sits exactly at input time n × inRate/outRate from the first input sample of the
 * run (no added delay on the timeline); it comes out once the kernel's right half has arrived
 * (a few input samples later). Allocation-free once its buffer has grown to the largest chunk.
 */
export class SyncResampler {
  readonly inRateHz: number;
  readonly outRateHz: number;
  /** Input samples per output sample. */
  readonly #step: number;
  /** Kernel half-width in input samples. */
  readonly #half: number;
  /** PHASES rows of 2·half taps: row p is the kernel at fractional offset p/PHASES. */
  readonly #kernel: Float64Array;
  #buf: Float64Array;
  #bufLen = 0;
  /** Position of the next output sample, in input samples from #buf[0]. */
  #t = 0;

  constructor(inRateHz: number, outRateHz: number) {
    if (!(inRateHz > 0 && outRateHz > 0 && Number.isFinite(inRateHz) && Number.isFinite(outRateHz))) {
      throw new SightlineError(
        'ERR_INVALID_ARGUMENT',
        `rates must be positive, got ${inRateHz} → ${outRateHz}`,
      );
    }
    this.inRateHz = inRateHz;
    this.outRateHz = outRateHz;
    this.#step = inRateHz / outRateHz;
    const scale = Math.min(1, outRateHz / inRateHz); // lower Nyquist, in input-rate units
    const cutoff = 0.5 * PASSBAND * scale; // cycles per input sample
    const half = Math.ceil(HALF_TAPS_AT_LOWER_RATE / scale);
    this.#half = half;
    const taps = 2 * half;
    this.#kernel = new Float64Array(PHASES * taps);
    for (let p = 0; p < PHASES; p++) {
      const mu = p / PHASES;
      let sum = 0;
      for (let j = 0; j < taps; j++) {
        // Tap j multiplies input sample floor(t) − half + 1 + j; its distance from t is x.
        const x = j - half + 1 - mu;
        const h = 2 * cutoff * sinc(2 * cutoff * x) * blackman(x / half);
        this.#kernel[p * taps + j] = h;
        sum += h;
      }
      for (let j = 0; j < taps; j++)
        this.#kernel[p * taps + j] = (this.#kernel[p * taps + j] as number) / sum;
    }
    this.#buf = new Float64Array(4 * taps + 4096);
    this.reset();
  }

  /** Starts a new run: history is cleared, the next input sample is at time 0 of the output. */
  reset(): void {
    this.#buf.fill(0, 0, this.#half);
    this.#bufLen = this.#half - 1; // zeros before the first sample, so its kernel is whole
    this.#t = this.#half - 1;
  }

  /**
   * Feeds 16-bit input (scaled to ±1) and calls `emit` once per output sample, in order.
   * Returns the number of output samples emitted.
   */
  push(samples: Int16Array, emit: (value: number) => void): number {
    this.#ensure(this.#bufLen + samples.length);
    const buf = this.#buf;
    for (let i = 0; i < samples.length; i++) buf[this.#bufLen + i] = (samples[i] as number) / 32768;
    this.#bufLen += samples.length;
    const half = this.#half;
    const taps = 2 * half;
    const kernel = this.#kernel;
    let emitted = 0;
    let t = this.#t;
    for (;;) {
      let base = Math.floor(t);
      let p = Math.round((t - base) * PHASES);
      if (p === PHASES) {
        p = 0;
        base += 1;
      }
      const first = base - half + 1;
      if (first + taps > this.#bufLen) break;
      let acc = 0;
      const row = p * taps;
      for (let j = 0; j < taps; j++) acc += (kernel[row + j] as number) * (buf[first + j] as number);
      emit(acc);
      emitted++;
      t += this.#step;
    }
    // Keep what the next outputs still need: everything from the next kernel's first tap.
    const keepFrom = Math.max(0, Math.min(this.#bufLen, Math.floor(t) - half));
    if (keepFrom > 0) {
      buf.copyWithin(0, keepFrom, this.#bufLen);
      this.#bufLen -= keepFrom;
      t -= keepFrom;
    }
    this.#t = t;
    return emitted;
  }

  #ensure(length: number): void {
    if (length <= this.#buf.length) return;
    const grown = new Float64Array(Math.max(length, 2 * this.#buf.length));
    grown.set(this.#buf.subarray(0, this.#bufLen));
    this.#buf = grown;
  }
}
