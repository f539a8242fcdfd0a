/** Cancels a scheduled callback. Idempotent. */
export type CancelTimer = () => void;

/**
 * The one clock: monotonic milliseconds plus timers against it. Injected
 * everywhere so tests can drive time by hand.
 */
export interface Clock {
  /** Monotonic time in milliseconds (fractional). Only differences are meaningful. */
  nowMs(): number;
  /** Runs `fn` once `delayMs` from now. */
  setTimer(fn: () => void, delayMs: number): CancelTimer;
}

/** The process clock: `performance.now()` and Node timers. */
export const systemClock: Clock = {
  nowMs: () => performance.now(),
  setTimer(fn, delayMs) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    return () => clearTimeout(t);
  },
};

/** A clock that moves only when told to; for deterministic tests. */
export class ManualClock implements Clock {
  #nowMs: number;
  #timers: { atMs: number; seq: number; fn: () => void }[] = [];
  #seq = 0;

  constructor(startMs = 0) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  setTimer(fn: () => void, delayMs: number): CancelTimer {
    const timer = { atMs: this.#nowMs + Math.max(0, delayMs), seq: this.#seq++, fn };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Pending timers. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order; `lagMs` makes each fire that much late. */
  advance(ms: number, lagMs = 0): void {
    const endMs = this.#nowMs + ms;
    for (;;) {
      this.#timers.sort((a, b) => a.atMs - b.atMs || a.seq - b.seq);
      const next = this.#timers[0];
      if (!next || next.atMs + lagMs > endMs) break;
      this.#timers.shift();
      this.#nowMs = Math.max(this.#nowMs, next.atMs + lagMs);
      next.fn();
    }
    this.#nowMs = endMs;
  }
}
