import { EventEmitter } from 'node:events';
import { type Logger, processLogger } from './log.js';

/** An event map: event name → argument tuple. */
export type EventMap = { [event: string]: unknown[] };

/** Called with the event's name and what a listener threw. */
export type ListenerErrorHandler = (event: string, error: unknown) => void;

/** Logs a listener's error through `log` at error level (keeping its stack and cause). */
export function logListenerErrors(log: Logger): ListenerErrorHandler {
  return (event, error) => log.error('event listener failed', { event, error });
}

/**
 * A typed EventEmitter. A throwing listener is reported through `onListenerError`
 * (by default logged through `processLogger`) and never breaks the emitter or
 * the other listeners.
 */
export class TypedEmitter<E extends EventMap> {
  readonly #ee = new EventEmitter();
  readonly #onListenerError: ListenerErrorHandler;

  constructor(onListenerError: ListenerErrorHandler = logListenerErrors(processLogger)) {
    this.#onListenerError = onListenerError;
    this.#ee.setMaxListeners(100);
  }

  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.once(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#ee.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Calls each listener; returns whether there were any. */
  emit<K extends keyof E & string>(event: K, ...args: E[K]): boolean {
    const listeners = this.#ee.listeners(event) as ((...a: E[K]) => void)[];
    for (const l of listeners) {
      try {
        l(...args);
      } catch (error) {
        this.#onListenerError(event, error);
      }
    }
    return listeners.length > 0;
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#ee.listenerCount(event);
  }

  removeAllListeners(): void {
    this.#ee.removeAllListeners();
  }
}
