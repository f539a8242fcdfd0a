import type { PcmChunk } from '../../core/media.js';
import { SightlineError } from '../../protocol/errors.js';

export interface AudioRingOptions {
  /** How much audio is kept (the newest); default 8000 ms (what Smart Turn v3 reads). */
  capacityMs?: number;
  /** The rate of every chunk pushed; default 16000 Hz. */
  sampleRateHz?: number;
  /** A forward jump in `ptsMs` up to this long is filled with silence; a longer one (or any step back) restarts the ring. Default 200 ms. */
  maxFillMs?: number;
}

/**
 * The last few seconds of one audio stream on its timeline, so the turn model
 * and the transcriber can read any stretch of the turn again. Fixed memory:
 * `capacityMs` of samples in a circular buffer.
 */
export class AudioRing {
  readonly sampleRateHz: number;
  readonly capacityMs: number;
  readonly #buf: Int16Array;
  readonly #maxFillMs: number;
  /** Samples ever written since the timeline began (the ring holds the last `#buf.length`). */
  #written = 0;
  /** `ptsMs` of sample 0 of the current timeline; null before the first push. */
  #originMs: number | null = null;

  constructor(options: AudioRingOptions = {}) {
    this.capacityMs = options.capacityMs ?? 8000;
    this.sampleRateHz = options.sampleRateHz ?? 16000;
    this.#maxFillMs = options.maxFillMs ?? 200;
    if (!(this.capacityMs > 0 && Number.isInteger(this.sampleRateHz) && this.sampleRateHz > 0)) {
      throw new SightlineError('ERR_INVALID_ARGUMENT', 'audio ring: capacityMs and sampleRateHz must be > 0');
    }
    this.#buf = new Int16Array(Math.ceil((this.capacityMs * this.sampleRateHz) / 1000));
  }

  /** Start of the audio held (ms on the timeline); equals `endMs` when empty. */
  get startMs(): number {
    return this.#msOf(Math.max(0, this.#written - this.#buf.length));
  }

  /** End of the audio held (ms on the timeline). */
  get endMs(): number {
    return this.#msOf(this.#written);
  }

  /**
   * Appends a chunk. A chunk that does not follow on (a step back, or a jump
   * longer than `maxFillMs`) starts a new timeline: what was held is forgotten.
   * A chunk at another rate is refused (ERR_INVALID_ARGUMENT).
   */
  push(chunk: PcmChunk): void {
    if (chunk.sampleRateHz !== this.sampleRateHz) {
      throw new SightlineError(
        'ERR_INVALID_ARGUMENT',
        `audio ring holds ${this.sampleRateHz} Hz audio; got ${chunk.sampleRateHz} Hz`,
      );
    }
    if (this.#originMs === null) this.#originMs = chunk.ptsMs;
    const gapMs = chunk.ptsMs - this.endMs;
    const halfSampleMs = 500 / this.sampleRateHz;
    if (gapMs < -halfSampleMs || gapMs > this.#maxFillMs) {
      this.reset();
      this.#originMs = chunk.ptsMs;
    } else if (gapMs > halfSampleMs) {
      this.#write(new Int16Array(Math.round((gapMs * this.sampleRateHz) / 1000)));
    }
    this.#write(chunk.samples);
  }

  /** Forgets everything (a re-anchored timeline); the next push starts a new one. */
  reset(): void {
    this.#written = 0;
    this.#originMs = null;
  }

  /**
   * A copy of the audio from `fromMs` to `toMs`, clamped to what is held (the
   * result's `ptsMs` says where it really starts; it may be empty).
   */
  slice(fromMs: number, toMs: number): PcmChunk {
    const first = Math.max(this.#written - this.#buf.length, 0, this.#sampleAt(fromMs));
    const end = Math.min(this.#written, this.#sampleAt(toMs));
    const n = Math.max(0, end - first);
    const samples = new Int16Array(n);
    const cap = this.#buf.length;
    const at = first % cap;
    const head = Math.min(n, cap - at);
    samples.set(this.#buf.subarray(at, at + head), 0);
    if (n > head) samples.set(this.#buf.subarray(0, n - head), head);
    return { samples, sampleRateHz: this.sampleRateHz, ptsMs: this.#msOf(first) };
  }

  #sampleAt(ms: number): number {
    return Math.round(((ms - (this.#originMs ?? ms)) * this.sampleRateHz) / 1000);
  }

  #msOf(sample: number): number {
    return (this.#originMs ?? 0) + (sample * 1000) / this.sampleRateHz;
  }

  #write(samples: Int16Array): void {
    const cap = this.#buf.length;
    // Only the newest `cap` samples can survive.
    const src = samples.length > cap ? samples.subarray(samples.length - cap) : samples;
    this.#written += samples.length - src.length;
    let off = 0;
    while (off < src.length) {
      const at = this.#written % cap;
      const n = Math.min(src.length - off, cap - at);
      this.#buf.set(src.subarray(off, off + n), at);
      off += n;
      this.#written += n;
    }
  }
}
