import type { types as ms } from 'mediasoup';
import * as mediasoup from 'mediasoup';
import { TypedEmitter } from '../../core/events.js';
import type { Logger } from '../../core/log.js';
import { SightlineError } from '../../protocol/errors.js';
import { ROUTER_CODECS } from './codecs.js';

export interface WorkerPoolOptions {
  /** Workers to run; one per core is the usual choice. */
  size: number;
  rtcMinPort: number;
  rtcMaxPort: number;
  logLevel?: ms.WorkerLogLevel;
  /** Delay before a dead worker's replacement is started. */
  respawnDelayMs?: number;
}

export type WorkerPoolEvents = {
  /** A worker died; its routers (and so its calls) are closed by mediasoup. */
  workerDied: [info: { slot: number; pid: number; error: Error }];
  workerStarted: [info: { slot: number; pid: number }];
};

/**
 * A fixed number of mediasoup workers. Routers go to the least-loaded live
 * worker; a worker that dies is replaced in its slot, and each affected call
 * learns of it through its router's `workerclose` event.
 */
export class WorkerPool extends TypedEmitter<WorkerPoolEvents> {
  readonly #opts: WorkerPoolOptions;
  readonly #log: Logger;
  readonly #slots: (ms.Worker | null)[];
  readonly #routers = new Map<ms.Worker, number>();
  #respawnTimers = new Set<NodeJS.Timeout>();
  #closed = false;

  private constructor(opts: WorkerPoolOptions, log: Logger) {
    super((event, error) => log.error('worker pool listener failed', { event, error }));
    this.#opts = opts;
    this.#log = log;
    this.#slots = new Array(opts.size).fill(null);
  }

  static async create(opts: WorkerPoolOptions, log: Logger): Promise<WorkerPool> {
    if (!Number.isInteger(opts.size) || opts.size < 1)
      throw new SightlineError('ERR_INVALID_ARGUMENT', 'worker pool size must be >= 1');
    const pool = new WorkerPool(opts, log);
    try {
      await Promise.all(pool.#slots.map((_, slot) => pool.#start(slot)));
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  /** Workers currently alive. */
  get alive(): number {
    return this.#slots.filter((w) => w !== null).length;
  }

  get size(): number {
    return this.#slots.length;
  }

  /** Process ids of the live workers, by slot. */
  get pids(): (number | null)[] {
    return this.#slots.map((w) => w?.pid ?? null);
  }

  /** Routers alive inside the workers, as the workers themselves report (for leak checks). */
  async routerCount(): Promise<number> {
    const dumps = await Promise.all(this.#slots.map((w) => (w ? w.dump() : null)));
    return dumps.reduce((n, d) => n + (d?.routerIds.length ?? 0), 0);
  }

  /** Creates a router with the call codecs on the least-loaded live worker. */
  async createRouter(): Promise<ms.Router> {
    let best: ms.Worker | null = null;
    for (const w of this.#slots) {
      if (w && (!best || (this.#routers.get(w) ?? 0) < (this.#routers.get(best) ?? 0))) best = w;
    }
    if (!best) throw new SightlineError('ERR_MEDIA_WORKER_DIED', 'no live mediasoup worker');
    const worker = best;
    const router = await worker.createRouter({ mediaCodecs: ROUTER_CODECS });
    this.#routers.set(worker, (this.#routers.get(worker) ?? 0) + 1);
    router.observer.once('close', () => {
      const n = this.#routers.get(worker);
      if (n !== undefined) this.#routers.set(worker, n - 1);
    });
    return router;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#respawnTimers) clearTimeout(t);
    this.#respawnTimers.clear();
    for (const w of this.#slots) w?.close();
    this.#slots.fill(null);
    this.#routers.clear();
  }

  async #start(slot: number): Promise<void> {
    const worker = await mediasoup.createWorker({
      logLevel: this.#opts.logLevel ?? 'warn',
      rtcMinPort: this.#opts.rtcMinPort,
      rtcMaxPort: this.#opts.rtcMaxPort,
    });
    if (this.#closed) {
      worker.close();
      return;
    }
    this.#slots[slot] = worker;
    this.#routers.set(worker, 0);
    worker.on('died', (error) => this.#onDied(slot, worker, error));
    this.#log.info('mediasoup worker started', { slot, pid: worker.pid });
    this.emit('workerStarted', { slot, pid: worker.pid });
  }

  #onDied(slot: number, worker: ms.Worker, error: Error): void {
    if (this.#slots[slot] === worker) this.#slots[slot] = null;
    this.#routers.delete(worker);
    this.#log.error('mediasoup worker died', { slot, pid: worker.pid, error });
    this.emit('workerDied', { slot, pid: worker.pid, error });
    this.#scheduleRespawn(slot, 0);
  }

  #scheduleRespawn(slot: number, attempt: number): void {
    if (this.#closed) return;
    const delayMs = (this.#opts.respawnDelayMs ?? 500) * 2 ** Math.min(attempt, 5);
    const timer = setTimeout(() => {
      this.#respawnTimers.delete(timer);
      this.#start(slot).catch((error: unknown) => {
        this.#log.error('mediasoup worker respawn failed', { slot, attempt, error });
        this.#scheduleRespawn(slot, attempt + 1);
      });
    }, delayMs);
    this.#respawnTimers.add(timer);
  }
}
