import { SightlineError } from '../protocol/errors.js';

interface Waiter<T> {
  resolve: (r: IteratorResult<T>) => void;
  reject: (e: unknown) => void;
}

/**
 * A bounded single-consumer queue exposed as an AsyncIterable. Producers push
 * synchronously; when full, the oldest item is dropped and counted (live media
 * must never block its producer, and a slow consumer must not grow memory).
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  readonly #capacity: number;
  readonly #items: (T | undefined)[] = [];
  #head = 0;
  #waiter: Waiter<T> | null = null;
  #closed = false;
  #error: unknown = undefined;
  #dropped = 0;
  #iterating = false;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new SightlineError('ERR_INVALID_ARGUMENT', 'AsyncQueue capacity must be a positive integer');
    this.#capacity = capacity;
  }

  /** Items dropped because the consumer fell behind. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Items waiting to be read. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  get closed(): boolean {
    return this.#closed;
  }

  push(item: T): void {
    if (this.#closed) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter.resolve({ value: item, done: false });
      return;
    }
    if (this.size >= this.#capacity) {
      this.#items[this.#head++] = undefined;
      this.#dropped++;
    }
    this.#items.push(item);
    if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
  }

  /** Ends the stream; buffered items are still delivered first. With `error`, the read after them throws it. */
  close(error?: unknown): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#waiter = null;
    if (error === undefined) waiter.resolve({ value: undefined, done: true });
    else {
      this.#error = undefined;
      waiter.reject(error);
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.#items[this.#head] as T;
      this.#items[this.#head++] = undefined;
      if (this.#head === this.#items.length) {
        this.#items.length = 0;
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#closed) {
      const error = this.#error;
      this.#error = undefined;
      return error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(error);
    }
    if (this.#waiter)
      return Promise.reject(new SightlineError('ERR_INTERNAL', 'AsyncQueue supports one pending read'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#iterating) throw new SightlineError('ERR_INTERNAL', 'AsyncQueue supports a single consumer');
    this.#iterating = true;
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        this.#items.length = 0;
        this.#head = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
