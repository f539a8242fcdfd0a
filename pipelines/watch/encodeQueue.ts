import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';

/** Settings of a {@link LatestQueue}. */
export interface LatestQueueOptions<T> {
  /** The work for one item (an encode, an OCR read). Gets the queue's signal. */
  process: (item: T, signal: AbortSignal) => Promise<void>;
  signal: AbortSignal;
  log: Logger;
  clock: Clock;
  /** Smallest gap (clock ms) between the starts of two runs of `process`; default 0. */
  minIntervalMs?: number;
  /** For log lines. */
  label: string;
}

/** What a {@link LatestQueue} did so far. */
export interface LatestQueueStats {
  offered: number;
  /** Items replaced by a newer one while they waited. */
  superseded: number;
  processed: number;
  failed: number;
  inFlight: boolean;
  waiting: boolean;
}

/**
 * A queue that never backs up: one run of `process` in flight, at most one item
 * waiting, and a newer item replaces the waiting one (counted as superseded). Runs
 * start at most every `minIntervalMs` of clock time; the waiting item stays
 * replaceable until its run starts. A failing run is logged and counted and the
 * queue goes on; once `signal` aborts nothing new starts and the waiting item is
 * dropped (the run in flight sees the signal).
 */
export class LatestQueue<T> {
  readonly #o: LatestQueueOptions<T>;
  #waiting: { item: T } | null = null;
  #inFlight = false;
  #lastStartMs = Number.NEGATIVE_INFINITY;
  #cancelTimer: (() => void) | null = null;
  #idleWaiters: (() => void)[] = [];
  #stats = { offered: 0, superseded: 0, processed: 0, failed: 0 };

  constructor(options: LatestQueueOptions<T>) {
    this.#o = options;
    options.signal.addEventListener('abort', () => this.#stop(), { once: true });
  }

  stats(): LatestQueueStats {
    return { ...this.#stats, inFlight: this.#inFlight, waiting: this.#waiting !== null };
  }

  /** Offers an item; it replaces an item still waiting. Ignored once the signal aborted. */
  offer(item: T): void {
    if (this.#o.signal.aborted) return;
    this.#stats.offered++;
    if (this.#waiting) this.#stats.superseded++;
    this.#waiting = { item };
    this.#pump();
  }

  /** Resolves once nothing is in flight or waiting (at once if so now, or after an abort). */
  idle(): Promise<void> {
    if (!this.#inFlight && !this.#waiting) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #stop(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#waiting = null;
    if (!this.#inFlight) this.#wakeIdle();
  }

  #wakeIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #pump(): void {
    if (this.#inFlight || this.#cancelTimer || !this.#waiting || this.#o.signal.aborted) return;
    const waitMs = this.#lastStartMs + (this.#o.minIntervalMs ?? 0) - this.#o.clock.nowMs();
    if (waitMs > 0) {
      this.#cancelTimer = this.#o.clock.setTimer(() => {
        this.#cancelTimer = null;
        this.#pump();
      }, waitMs);
      return;
    }
    const { item } = this.#waiting;
    this.#waiting = null;
    this.#inFlight = true;
    this.#lastStartMs = this.#o.clock.nowMs();
    this.#run(item).then(() => {
      this.#inFlight = false;
      this.#pump();
      if (!this.#inFlight && !this.#waiting) this.#wakeIdle();
    });
  }

  /** One run; never rejects. */
  async #run(item: T): Promise<void> {
    try {
      await this.#o.process(item, this.#o.signal);
      this.#stats.processed++;
    } catch (error) {
      // After an abort any failure of the run in flight is the abort itself.
      if (this.#o.signal.aborted) return;
      this.#stats.failed++;
      this.#o.log.warn(`${this.#o.label} failed`, { error });
    }
  }
}
