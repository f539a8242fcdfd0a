import type { Logger } from '../../core/log.js';
import {
  type Converter,
  type OpenConverter,
  openConverter,
  type ResampleQuality,
} from '../audio/resample.js';

/**
 * Keeps one spare resampling converter per rate pair warm for a call, so an
 * utterance never waits for libsamplerate's WASM instance to load (~15–25 ms
 * each): taking one starts loading the next in the background. `prewarm` at the
 * start of a call makes even the first reply's converter ready.
 */
export class ConverterPool {
  readonly #open: OpenConverter;
  readonly #log: Logger;
  readonly #spares = new Map<string, Promise<Converter>>();
  #closed = false;

  constructor(log: Logger, open: OpenConverter = openConverter) {
    this.#open = open;
    this.#log = log;
  }

  /** Starts loading a converter for this rate pair, if none is waiting. */
  prewarm(inRateHz: number, outRateHz: number, quality: ResampleQuality): void {
    const key = `${inRateHz}>${outRateHz}:${quality}`;
    if (this.#closed || this.#spares.has(key)) return;
    const spare = this.#open(inRateHz, outRateHz, quality);
    // A failed prewarm is retried by `open` itself; it must not surface as an unhandled rejection.
    spare.then(undefined, (error: unknown) => {
      this.#log.warn('warming a resampler failed', { error });
      if (this.#spares.get(key) === spare) this.#spares.delete(key);
    });
    this.#spares.set(key, spare);
  }

  /** An {@link OpenConverter} that hands out the warm spare and warms the next one. */
  readonly open: OpenConverter = async (inRateHz, outRateHz, quality) => {
    const key = `${inRateHz}>${outRateHz}:${quality}`;
    const spare = this.#spares.get(key);
    this.#spares.delete(key);
    this.prewarm(inRateHz, outRateHz, quality);
    if (spare) {
      try {
        return await spare;
      } catch {
        // Already logged; open one directly.
      }
    }
    return this.#open(inRateHz, outRateHz, quality);
  };

  /** Frees the spares. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const spare of this.#spares.values()) {
      spare.then(
        (c) => c.destroy(),
        () => undefined,
      );
    }
    this.#spares.clear();
  }
}
