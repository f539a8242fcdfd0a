import { EventEmitter } from 'node:events';

/** An event map: event name → argument tuple. */
export type EventMap = { [event: string]: unknown[] };

/**
 * A typed EventEmitter. A throwing listener is reported through `onListenerError`
 * and never breaks the emitter or the other listeners.
 */
export class TypedEmitter<E extends EventMap> {
  readonly #ee = new EventEmitter();
  readonly #onListenerError: (event: string, error: unknown) => void;

  constructor(onListenerError: (event: string, error: unknown) => void = () => undefined) {
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
