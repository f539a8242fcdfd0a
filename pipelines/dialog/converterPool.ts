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
 * each, mostly on the event loop). `prewarm` at the start of a call makes the
 * first reply's converter ready; `refill` replaces the ones taken, and is called
 * when no audio is starting (a playback just ended), so the load never delays
 * the first packet of a reply.
 */
export class ConverterPool {
  readonly #open: OpenConverter;
  readonly #log: Logger;
  readonly #spares = new Map<string, Promise<Converter>>();
  /** Rate pairs taken since the last refill. */
  readonly #taken = new Map<string, [number, number, ResampleQuality]>();
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

  /** Warms a converter for every rate pair taken since the last refill. */
  refill(): void {
    for (const [inRateHz, outRateHz, quality] of this.#taken.values())
      this.prewarm(inRateHz, outRateHz, quality);
    this.#taken.clear();
  }

  /** An {@link OpenConverter} that hands out the warm spare (or opens one when none is ready). */
  readonly open: OpenConverter = async (inRateHz, outRateHz, quality) => {
    const key = `${inRateHz}>${outRateHz}:${quality}`;
    const spare = this.#spares.get(key);
    this.#spares.delete(key);
    this.#taken.set(key, [inRateHz, outRateHz, quality]);
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
