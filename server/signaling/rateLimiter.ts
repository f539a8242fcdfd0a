import type { Clock } from '../../core/clock.js';

/** How fast a {@link TokenBucket} refills and how much it holds. */
export interface TokenBucketOptions {
  /** Tokens added per second. */
  ratePerS: number;
  /** Most tokens saved up (and the size of the first burst). */
  burst: number;
  clock: Clock;
}

/** A token bucket: `ratePerS` tokens a second, at most `burst` saved up; time from the injected clock. */
export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #burst: number;
  readonly #clock: Clock;
  #tokens: number;
  #lastMs: number;

  constructor({ ratePerS, burst, clock }: TokenBucketOptions) {
    this.#ratePerMs = ratePerS / 1000;
    this.#burst = burst;
    this.#clock = clock;
    this.#tokens = burst;
    this.#lastMs = clock.nowMs();
  }

  /** Takes one token if there is one. */
  take(): boolean {
    const nowMs = this.#clock.nowMs();
    this.#tokens = Math.min(this.#burst, this.#tokens + (nowMs - this.#lastMs) * this.#ratePerMs);
    this.#lastMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
