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
  #alive = true;

  private constructor() {
    // The worker is TypeScript: its entry registers tsx in the new thread first.
    this.#worker = new Worker(new URL('./pacerWorkerEntry.mjs', import.meta.url));
    this.#worker.on('message', (m: FromPacer) => this.#route(m));
    this.#worker.on('error', (error) => {
      for (const l of this.#bySink.values()) l({ t: 'error', message: error.message });
    });
    this.#worker.on('exit', () => this.#onExit());
    this.#worker.unref();
  }

  /** False once the thread has exited; sinks on it fail their utterances and new sinks get a new thread. */
  get alive(): boolean {
    return this.#alive;
  }

  /** Stops the thread (process shutdown). Utterances still playing end with reason "error". */
  async terminate(): Promise<void> {
    await this.#worker.terminate();
  }

  #onExit(): void {
    if (!this.#alive) return;
    this.#alive = false;
    if (PacerThread.#shared === this) PacerThread.#shared = null;
    // Nothing more will come from this thread: end what was playing, tell each sink.
    for (const [playbackId, l] of [...this.#byPlayback]) {
      l({ t: 'done', playbackId, result: { playedMs: Number.NaN, completed: false, reason: 'error' } });
    }
    this.#byPlayback.clear();
    for (const l of this.#bySink.values()) l({ t: 'error', message: 'the pacer thread exited' });
  }

  /** The shared thread, started on first use. */
  static shared(): PacerThread {
    PacerThread.#shared ??= new PacerThread();
    return PacerThread.#shared;
  }

  post(message: ToPacer, transfer: ArrayBuffer[] = []): void {
    if (this.#alive) this.#worker.postMessage(message, transfer);
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
