import type { types as ms } from 'mediasoup';
import { Latch } from '../../core/latch.js';
import type { Logger } from '../../core/log.js';
import { closeOnReturn } from './closeOnReturn.js';

/**
 * The closing half that the audio and video taps share: one consumer on one transport of the
 * call's router, an idempotent `close()` that releases the tap's own resources and then the
 * consumer and transport, and a frame stream that closes the tap when its reader leaves early.
 */
export abstract class MediaTap {
  readonly #kind: 'audio' | 'video';
  readonly #consumer: ms.Consumer;
  readonly #transport: ms.Transport;
  readonly #log: Logger;
  readonly #closed = new Latch();

  protected constructor(
    kind: 'audio' | 'video',
    consumer: ms.Consumer,
    transport: ms.Transport,
    log: Logger,
  ) {
    this.#kind = kind;
    this.#consumer = consumer;
    this.#transport = transport;
    this.#log = log;
  }

  get closed(): boolean {
    return this.#closed.isOpen;
  }

  /** Resolves once the tap has closed, for whatever reason. */
  get whenClosed(): Promise<void> {
    return this.#closed.promise;
  }

  /** Closes the tap once: its own resources (`release`), then its consumer and transport. */
  close(): void {
    if (!this.#closed.open()) return;
    this.release();
    if (!this.#consumer.closed) this.#consumer.close();
    if (!this.#transport.closed) this.#transport.close();
  }

  /** Stops what the tap itself runs (decoder, ffmpeg, timers, queue); called once, by `close()`. */
  protected abstract release(): void;

  /** `source` as the tap's single-reader frame stream: leaving it early closes the tap. */
  protected framesClosingTap<T>(source: AsyncIterable<T>): AsyncIterable<T> {
    return closeOnReturn(source, () => {
      if (!this.closed) this.#log.debug(`${this.#kind} tap closed: its reader left the frames loop`);
      this.close();
    });
  }
}
