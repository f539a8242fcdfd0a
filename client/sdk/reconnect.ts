import { SightlineError } from '../../protocol/errors.js';

/** How a session retries after a WebSocket cut (the defaults: 6 attempts over ~16 s). */
export interface BackoffOptions {
  maxAttempts: number;
  /**
   * The first attempt waits a random 0 to this (most blips are over by the time the cut is
   * seen, so it goes almost at once; the spread keeps a restarted server's clients apart).
   */
  firstDelayMaxMs: number;
  /** The wait before the second attempt; doubled for each next one. */
  baseDelayMs: number;
  /** The longest wait between two attempts. */
  maxDelayMs: number;
  /** ± this fraction of each wait, at random, so many clients do not retry in step (0–1). */
  jitter: number;
}

/** 6 attempts: at once (0–100 ms), then 0.5 s doubling to at most 8 s, ±20 %: about 16 s in all. */
export const DEFAULT_BACKOFF: BackoffOptions = {
  maxAttempts: 6,
  firstDelayMaxMs: 100,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  jitter: 0.2,
};

/**
 * The wait before attempt `attempt` (1-based): the first a random 0 to `firstDelayMaxMs`,
 * then base·2^(attempt−2), capped, ± jitter.
 */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  if (attempt <= 1) return Math.round(options.firstDelayMaxMs * random());
  const plain = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 2));
  const spread = plain * options.jitter * (2 * random() - 1);
  return Math.max(0, Math.round(plain + spread));
}

/** Waits `ms`, or rejects with ERR_ABORTED as soon as `signal` aborts (the timer is cleared then). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new SightlineError('ERR_ABORTED', 'stopped'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new SightlineError('ERR_ABORTED', 'stopped'));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** `retryWithBackoff`'s options: the backoff, what may be retried, and the signal that stops it. */
export interface RetryOptions extends BackoffOptions {
  signal: AbortSignal;
  /** False for an error no retry can fix (a refused token, a call that is gone): it is thrown at once. */
  shouldRetry: (error: unknown) => boolean;
  /** Called before each attempt, after its wait. */
  onAttempt?: (attempt: number, delayMs: number) => void;
  random?: () => number;
}

/**
 * Runs `attempt` until it resolves, waiting `backoffDelayMs` before each try.
 * Throws the last error after `maxAttempts`, an error `shouldRetry` refuses at
 * once, and ERR_ABORTED when `signal` aborts (no timer is left behind).
 */
export async function retryWithBackoff<T>(
  attempt: (n: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  let last: unknown = new SightlineError('ERR_CONNECTION_CLOSED', 'no attempt was made');
  for (let n = 1; n <= options.maxAttempts; n++) {
    const delayMs = backoffDelayMs(n, options, options.random);
    await abortableSleep(delayMs, options.signal);
    options.onAttempt?.(n, delayMs);
    try {
      return await attempt(n);
    } catch (error) {
      if (options.signal.aborted) throw new SightlineError('ERR_ABORTED', 'stopped');
      if (!options.shouldRetry(error)) throw error;
      last = error;
    }
  }
  throw last;
}

/** The part of a mediasoup-client transport the ICE watchdog needs. */
export interface IceTransport {
  readonly connectionState: string;
  on(event: 'connectionstatechange', listener: (state: string) => void): unknown;
  off(event: 'connectionstatechange', listener: (state: string) => void): unknown;
}

/** How long ICE may stay `disconnected` before it is restarted (it often recovers by itself). */
export const ICE_DISCONNECTED_GRACE_MS = 3000;

/**
 * Watches one transport's connection: `failed`, or `disconnected` for longer than
 * the grace, calls `onDown` (the session restarts ICE); `connected` after
 * that calls `onUp`. `dispose()` removes the listener and the timer.
 */
export class IceWatchdog {
  readonly #transport: IceTransport;
  readonly #onDown: () => void;
  readonly #onUp: () => void;
  readonly #graceMs: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #down = false;
  readonly #listener = (state: string) => this.#onState(state);

  constructor(
    transport: IceTransport,
    handlers: { onDown: () => void; onUp: () => void },
    graceMs = ICE_DISCONNECTED_GRACE_MS,
  ) {
    this.#transport = transport;
    this.#onDown = handlers.onDown;
    this.#onUp = handlers.onUp;
    this.#graceMs = graceMs;
    transport.on('connectionstatechange', this.#listener);
  }

  /** True between `onDown` and the next `connected`. */
  get down(): boolean {
    return this.#down;
  }

  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#transport.off('connectionstatechange', this.#listener);
  }

  #onState(state: string): void {
    if (state === 'connected') {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      if (this.#down) {
        this.#down = false;
        this.#onUp();
      }
    } else if (state === 'failed') {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#goDown();
    } else if (state === 'disconnected' && this.#timer === undefined && !this.#down) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (this.#transport.connectionState === 'disconnected') this.#goDown();
      }, this.#graceMs);
    }
  }

  /** Each `failed` calls `onDown` again (a restart that did not take is retried). */
  #goDown(): void {
    this.#down = true;
    this.#onDown();
  }
}

/** What IceRecovery tells the session. */
export interface IceRecoveryHandlers<T> {
  /** Asks the server for new ICE parameters and restarts the transport's ICE with them. */
  restart: (transport: T) => Promise<void>;
  /** False while a restart cannot be asked for (the WebSocket is down); `retryDown()` later. */
  canRestart: () => boolean;
  /** Media went down (the first transport of possibly several). */
  onDown: () => void;
  /** Every transport is connected again, `downMs` after the first went down. */
  onUp: (downMs: number) => void;
  now: () => number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}

/**
 * ICE recovery for a session's transports: a watchdog on each, one restart at a
 * time per transport when it fails (or stays disconnected), and one `onUp` with
 * the time down once every transport is connected again.
 */
export class IceRecovery<T extends IceTransport> {
  readonly #handlers: IceRecoveryHandlers<T>;
  readonly #watched = new Map<T, IceWatchdog>();
  readonly #restarting = new Set<T>();
  #downSinceMs: number | null = null;

  constructor(handlers: IceRecoveryHandlers<T>) {
    this.#handlers = handlers;
  }

  /** True from the first failure until every transport is connected again. */
  get down(): boolean {
    return this.#downSinceMs !== null;
  }

  watch(transport: T): void {
    const dog = new IceWatchdog(transport, {
      onDown: () => {
        if (this.#downSinceMs === null) {
          this.#downSinceMs = this.#handlers.now();
          this.#handlers.onDown();
        }
        void this.#restart(transport);
      },
      onUp: () => this.#maybeUp(),
    });
    this.#watched.set(transport, dog);
  }

  /** Restarts every transport still down (after the WebSocket is back). */
  retryDown(): void {
    for (const [transport, dog] of this.#watched) if (dog.down) void this.#restart(transport);
  }

  /** Removes every listener and timer. */
  dispose(): void {
    for (const dog of this.#watched.values()) dog.dispose();
    this.#watched.clear();
    this.#restarting.clear();
  }

  async #restart(transport: T): Promise<void> {
    if (this.#restarting.has(transport) || !this.#handlers.canRestart()) return;
    this.#restarting.add(transport);
    try {
      await this.#handlers.restart(transport);
      this.#handlers.log?.('sightline: ICE restarted', {});
    } catch (error) {
      this.#handlers.log?.('sightline: ICE restart failed', { error: String(error) });
    } finally {
      this.#restarting.delete(transport);
    }
  }

  #maybeUp(): void {
    if (this.#downSinceMs === null || [...this.#watched.values()].some((d) => d.down)) return;
    const downMs = Math.round(this.#handlers.now() - this.#downSinceMs);
    this.#downSinceMs = null;
    this.#handlers.onUp(downMs);
  }
}
