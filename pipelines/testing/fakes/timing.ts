import { type Clock, systemClock } from '../../../core/clock.js';
import { ModelError } from '../../../models/runtime/errors.js';
import { sleep } from '../../core/sleep.js';

/** The timing knobs every fake shares. Delays run on `clock`, so a ManualClock makes them deterministic. */
export interface FakeTiming {
  /** Default: the system clock. */
  clock?: Clock;
  /** Wait before the first output of each call (time to first token / byte / result). */
  firstOutputDelayMs?: number;
  /** Wait before each later output of a call. */
  perItemDelayMs?: number;
  /** Fail this call (1 = the first call to the fake). */
  failOnCall?: number;
  /** ... after this many outputs of it (default 0: before any). */
  failAfterItems?: number;
  /** The injected failure; ERR_MODEL_RUN by default. */
  error?: () => Error;
}

/** Applies a {@link FakeTiming} to one call of a fake. */
export class FakeCall {
  readonly #t: FakeTiming;
  readonly #call: number;
  readonly #signal: AbortSignal | undefined;
  #items = 0;

  constructor(timing: FakeTiming, call: number, signal: AbortSignal | undefined) {
    this.#t = timing;
    this.#call = call;
    this.#signal = signal;
  }

  #failIfDue(): void {
    if (this.#t.failOnCall === this.#call && (this.#t.failAfterItems ?? 0) <= this.#items) {
      throw this.#t.error?.() ?? new ModelError('ERR_MODEL_RUN', `injected failure on call ${this.#call}`);
    }
  }

  /** Waits the delay before the next output, then fails if the script says so. */
  async beforeItem(): Promise<void> {
    const delayMs = this.#items === 0 ? this.#t.firstOutputDelayMs : this.#t.perItemDelayMs;
    await sleep(this.#t.clock ?? systemClock, delayMs ?? 0, this.#signal);
    this.#failIfDue();
    this.#items++;
  }

  /** Fails a call that was scripted to fail after more outputs than it had. */
  end(): void {
    this.#failIfDue();
  }
}
