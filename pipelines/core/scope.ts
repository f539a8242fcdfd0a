import { SightlineError } from '../../protocol/errors.js';

/** The reason a scope was aborted with when no reason was given. */
function abortedError(what: string): SightlineError {
  return new SightlineError('ERR_ABORTED', `${what} was aborted`);
}

/**
 * The per-call abort scope. Its `signal` fires when the call ends; each
 * assistant turn gets a {@link TurnScope} whose signal follows the call's but
 * can also be aborted on its own (barge-in) without ending the call.
 */
export class CallScope {
  readonly #controller = new AbortController();
  readonly #turns = new Set<TurnScope>();

  /**
   * @param parent an outer signal (the server's shutdown) the call follows; its listener is removed on close.
   */
  constructor(parent?: AbortSignal) {
    if (parent?.aborted) this.#controller.abort(parent.reason);
    else if (parent) {
      const onAbort = () => this.close(parent.reason);
      parent.addEventListener('abort', onAbort, { once: true });
      this.#controller.signal.addEventListener('abort', () => parent.removeEventListener('abort', onAbort), {
        once: true,
      });
    }
  }

  /** Fires when the call ends. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Turns started and not yet ended. */
  get openTurns(): number {
    return this.#turns.size;
  }

  /**
   * Starts a turn. Its signal aborts when the call closes or when the turn is
   * aborted; `end()` (or disposal) detaches it from the call so a long call does
   * not accumulate listeners. A turn started on a closed call is aborted at once.
   */
  startTurn(): TurnScope {
    const turn = new TurnScope(this.signal, (t) => this.#turns.delete(t));
    if (!turn.signal.aborted) this.#turns.add(turn);
    return turn;
  }

  /** Ends the call: every open turn aborts with the same reason. Idempotent. */
  close(reason: unknown = abortedError('the call')): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
  }
}

/** One assistant turn's abort scope, derived from its call's. */
export class TurnScope implements Disposable {
  readonly #controller = new AbortController();
  readonly #parent: AbortSignal;
  readonly #onParentAbort: () => void;
  readonly #release: (turn: TurnScope) => void;
  #ended = false;

  /** Use {@link CallScope.startTurn}. */
  constructor(parent: AbortSignal, release: (turn: TurnScope) => void) {
    this.#parent = parent;
    this.#release = release;
    this.#onParentAbort = () => this.abort(parent.reason);
    if (parent.aborted) {
      this.#controller.abort(parent.reason);
      this.#ended = true;
    } else parent.addEventListener('abort', this.#onParentAbort, { once: true });
  }

  /** Fires when the turn is aborted or its call closes. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** True once `end()` or `abort()` ran (or the call closed). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Aborts this turn only (barge-in); detaches it from the call. Idempotent. */
  abort(reason: unknown = abortedError('the turn')): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason);
    this.end();
  }

  /** The turn finished normally: detach from the call. The signal stays as it is. Idempotent. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#parent.removeEventListener('abort', this.#onParentAbort);
    this.#release(this);
  }

  [Symbol.dispose](): void {
    this.end();
  }
}
