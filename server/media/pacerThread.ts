import { Worker } from 'node:worker_threads';
import type { FromPacer, ToPacer } from './pacerProtocol.js';

type Listener = (m: FromPacer) => void;

/**
 * The process's one pacer thread (see pacerWorker.ts), shared by every call's
 * audio sink. Started on first use and kept warm (it is unref'd, so it never
 * keeps the process alive): the next call's first words do not wait for a thread to boot.
 */
export class PacerThread {
  static #shared: PacerThread | null = null;
  readonly #worker: Worker;
  readonly #byPlayback = new Map<string, Listener>();
  readonly #bySink = new Map<string, Listener>();

  private constructor() {
    // The worker is TypeScript: its entry registers tsx in the new thread first.
    this.#worker = new Worker(new URL('./pacerWorkerEntry.mjs', import.meta.url));
    this.#worker.on('message', (m: FromPacer) => this.#route(m));
    this.#worker.on('error', (error) => {
      for (const l of this.#bySink.values()) l({ t: 'error', message: error.message });
    });
    this.#worker.unref();
  }

  /** The shared thread, started on first use. */
  static shared(): PacerThread {
    PacerThread.#shared ??= new PacerThread();
    return PacerThread.#shared;
  }

  post(message: ToPacer, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(message, transfer);
  }

  onPlayback(playbackId: string, listener: Listener | null): void {
    if (listener) this.#byPlayback.set(playbackId, listener);
    else this.#byPlayback.delete(playbackId);
  }

  onSink(sinkId: string, listener: Listener | null): void {
    if (listener) this.#bySink.set(sinkId, listener);
    else this.#bySink.delete(sinkId);
  }

  #route(m: FromPacer): void {
    if (m.t === 'progress' || m.t === 'done') this.#byPlayback.get(m.playbackId)?.(m);
    else if (m.t === 'stats') this.#bySink.get(m.sinkId)?.(m);
    else for (const l of this.#bySink.values()) l(m);
  }
}
