/**
 * A watchdog over a streamed response body: its `signal` fires when no
 * `kick()` came for `stallMs`. Combined with the caller's signal it cancels
 * the request, so a server that stops sending mid-answer fails instead of
 * hanging the turn. Only time spent waiting on the server counts: `pause()`
 * while a piece is out with the consumer (a speaker paced by playback may
 * hold it for seconds), `kick()` when the consumer asks for the next.
 */
export class StallWatch {
  readonly #controller = new AbortController();
  readonly #stallMs: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(stallMs: number) {
    this.#stallMs = stallMs;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True once the stream went `stallMs` without a chunk. */
  get stalled(): boolean {
    return this.#controller.signal.aborted;
  }

  /** A chunk arrived (or the wait starts): the next one has `stallMs`. */
  kick(): void {
    if (this.stalled) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#controller.abort(), this.#stallMs);
  }

  /** The consumer has the last piece: not waiting on the server until the next `kick()`. */
  pause(): void {
    this.stop();
  }

  /** The stream ended: no more watching. */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
