/**
 * The ingest queue on Redis (BullMQ), used when REDIS_URL is set: any number
 * of processes enqueue, any number of worker processes run ingests, and every
 * process sees every video's progress.
 *
 * - Job id = video id: enqueueing a video already waiting or running is a
 *   no-op. Finished jobs are removed, so a video can be queued again.
 * - Progress: the worker writes `job.updateProgress(IngestProgress)`; each
 *   process's QueueEvents republishes progress, completion (`ready`) and
 *   failure (`failed` / `cancelled`, carried in the failed reason) onto its
 *   own ProgressBus, so the web process's SSE sees a remote worker's progress.
 * - Cancel: a waiting job is removed; a running one is flagged with a key and
 *   announced on a pub/sub channel, and the worker running it aborts its
 *   signal (BullMQ has no cross-process abort).
 * - Crash safety: a worker that dies stops renewing its job's lock; after at
 *   most `lockDurationMs + stalledIntervalMs` another worker's stalled check
 *   moves the job back to waiting, and the ingest resumes at its first
 *   uncommitted stage. A job is retried so up to `maxStalledCount` times.
 * - Shutdown (`close`): running jobs are aborted and moved back to waiting,
 *   so this or another worker resumes them.
 */
import { DelayedError, type Job, Queue, QueueEvents, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../../../core/log.js';
import type { IngestProgressReport } from '../../../pipelines/video/types.js';
import { SightlineError } from '../../../protocol/errors.js';
import type { IngestProgress } from '../../../protocol/video.js';
import type { IngestQueue, ProgressBus } from '../types.js';
import {
  type AbortCause,
  abortCauseOf,
  abortReason,
  cancelChannel,
  cancelKey,
  decodeOutcome,
  encodeOutcome,
  type IngestJobData,
  type IngestJobResult,
  parseProgress,
  redactRedisUrl,
  wireErrorOf,
} from './bullmqWire.js';
import { IngestCancelled, type IngestJobFn, outcomeOf } from './job.js';

export interface BullmqQueueOptions {
  /** `redis://[user:password@]host:port[/db]` (or `rediss://`). */
  redisUrl: string;
  /** Ingests this process runs at once (ignored without `run`). */
  concurrency: number;
  /** The ingest; null: this process only enqueues, cancels and watches (worker processes run jobs). */
  run: IngestJobFn | null;
  /** Where every video's progress is republished (from this and every other process). */
  progress: ProgressBus;
  log: Logger;
  /** BullMQ queue name; default `sightline-ingest`. Processes sharing work share the name. */
  queueName?: string;
  /**
   * A running job's lock lives this long unless renewed (every half of it);
   * a killed worker's job is picked up again after at most this plus
   * `stalledIntervalMs`. Default 10 s; the event loop must never block half of it.
   */
  lockDurationMs?: number;
  /** How often workers look for jobs whose lock expired; default 5 s. */
  stalledIntervalMs?: number;
  /** Crashes one job survives before it fails for good; default 3. */
  maxStalledCount?: number;
  /** How long `close` waits for aborted jobs to hand their work back; default 10 s. */
  closeTimeoutMs?: number;
  /** How long the first connection may take before ERR_QUEUE_UNAVAILABLE; default 5 s. */
  connectTimeoutMs?: number;
  /** This worker's name in logs (default `<hostname-less> pid`). */
  workerName?: string;
  /**
   * A job failed for good in any process (e.g. its worker crashed more than `maxStalledCount`
   * times, so no job function marked it): the caller marks the video's row failed. Called in
   * every process that listens; it must be idempotent.
   */
  onFailed?: (videoId: string, error: { code: string; message: string }) => void;
}

const KEY_PREFIX = 'bull';
const CANCEL_KEY_TTL_MS = 60 * 60 * 1000;
/** How long a forced close of one BullMQ object may take before it is left behind. */
const FORCE_CLOSE_MS = 2_000;
/** A job taken by a worker without models goes back to the queue for this long. */
const NO_MODELS_RETRY_MS = 30_000;

/** True when `p` settled within `ms` (its outcome is not needed: close paths log their own errors). */
async function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  const settled = p.then(
    () => true as const,
    () => true as const,
  );
  const result = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return result;
}

/** Opens one connection to check Redis answers, so a wrong REDIS_URL is one clear error, not a retry loop. */
async function checkReachable(url: string, timeoutMs: number, log: Logger): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  let lastError: unknown = null;
  probe.on('error', (error: unknown) => {
    lastError = error;
  });
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(lastError ?? error);
    log.error('cannot reach Redis for the ingest queue', { redisUrl: redactRedisUrl(url), reason });
    throw new SightlineError(
      'ERR_QUEUE_UNAVAILABLE',
      `cannot reach Redis at ${redactRedisUrl(url)} (${reason}); check REDIS_URL`,
      { cause: error },
    );
  } finally {
    probe.disconnect();
  }
}

/**
 * Logs a component's connection errors once per outage (ioredis reconnects by
 * itself, with backoff; the log must not repeat every retry), and the recovery.
 */
function outageLogger(log: Logger, redisUrl: string) {
  const down = new Set<string>();
  return {
    error(component: string, error: unknown): void {
      if (down.has(component)) return;
      down.add(component);
      const reason = error instanceof Error ? error.message : String(error);
      log.error('lost the Redis connection of the ingest queue; reconnecting', {
        component,
        redisUrl: redactRedisUrl(redisUrl),
        reason,
      });
    },
    ready(component: string): void {
      if (down.delete(component)) log.info('Redis connection of the ingest queue is back', { component });
    },
    isDown(): boolean {
      return down.size > 0;
    },
  };
}

function unavailable(error: unknown, what: string): SightlineError {
  if (error instanceof SightlineError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new SightlineError('ERR_QUEUE_UNAVAILABLE', `${what}: ${reason}`, { cause: error });
}

/** Creates the BullMQ queue (and, with `run`, a worker in this process). Throws ERR_QUEUE_UNAVAILABLE. */
export async function createBullmqQueue(options: BullmqQueueOptions): Promise<IngestQueue> {
  const queueName = options.queueName ?? 'sightline-ingest';
  const lockDurationMs = options.lockDurationMs ?? 10_000;
  const stalledIntervalMs = options.stalledIntervalMs ?? 5_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
  const workerName = options.workerName ?? `worker-${process.pid}`;
  const log = options.log.child({ component: 'ingest-queue', queue: queueName });
  const url = options.redisUrl;
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new SightlineError('ERR_CONFIG', 'REDIS_URL is not a URL (expected redis://host:port)');
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    throw new SightlineError(
      'ERR_CONFIG',
      `REDIS_URL must start with redis:// or rediss://, not ${protocol}//`,
    );
  }
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new SightlineError(
      'ERR_CONFIG',
      `ingest concurrency must be a positive integer, not ${options.concurrency}`,
    );
  }
  await checkReachable(url, options.connectTimeoutMs ?? 5_000, log);

  const outage = outageLogger(log, url);
  const watch = (component: string, emitter: { on(event: 'error', fn: (e: Error) => void): unknown }) => {
    emitter.on('error', (error) => outage.error(component, error));
  };
  /** A BullMQ object's connection came (back): its backend says so on every reconnect. */
  const watchReady = (
    component: string,
    owner: { getBackend(): { on(e: 'ready', fn: () => void): unknown } },
  ) => {
    owner.getBackend().on('ready', () => outage.ready(component));
  };
  const channel = cancelChannel(KEY_PREFIX, queueName);
  const keyOf = (videoId: string) => cancelKey(KEY_PREFIX, queueName, videoId);
  const publish = (p: IngestProgress) => options.progress.publish(p);

  // Commands fail at once while Redis is away (no offline queue): enqueue reports ERR_QUEUE_UNAVAILABLE.
  const queue = new Queue<IngestJobData, IngestJobResult, 'ingest'>(queueName, {
    connection: { url, enableOfflineQueue: false },
    prefix: KEY_PREFIX,
    defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
  });
  watch('queue', queue);
  const commands = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  watch('commands', commands);
  commands.on('ready', () => outage.ready('commands'));
  const events = new QueueEvents(queueName, { connection: { url }, prefix: KEY_PREFIX });
  watch('events', events);
  watchReady('queue', queue);
  watchReady('events', events);

  events.on('progress', ({ jobId, data }) => {
    const p = parseProgress(data, jobId);
    if (p) publish(p);
    else log.warn('ignored a progress payload that is not an IngestProgress', { jobId });
  });
  events.on('completed', ({ jobId, returnvalue }) => {
    if (returnvalue !== 'ready') return; // declined: the job found the video gone or cancelled
    publish({
      videoId: jobId,
      status: 'ready',
      stage: 'index',
      stagePercent: 100,
      percent: 100,
      error: null,
    });
  });
  events.on('failed', ({ jobId, failedReason }) => {
    const outcome = decodeOutcome(failedReason);
    if (outcome.outcome === 'cancelled') {
      publish({ videoId: jobId, status: 'cancelled', stage: null, stagePercent: 0, percent: 0, error: null });
    } else {
      log.warn('ingest job failed', {
        videoId: jobId,
        code: outcome.error.code,
        reason: outcome.error.message,
      });
      options.onFailed?.(jobId, outcome.error);
      publish({
        videoId: jobId,
        status: 'failed',
        stage: null,
        stagePercent: 0,
        percent: 0,
        error: outcome.error,
      });
    }
  });
  events.on('stalled', ({ jobId }) => {
    log.warn('ingest job stalled (its worker stopped renewing the lock); it goes back to the queue', {
      videoId: jobId,
    });
  });

  /** Controllers of the jobs running in this process, by video id (removed when each ends). */
  const running = new Map<string, AbortController>();
  const abortLocal = (videoId: string, cause: AbortCause): boolean => {
    const controller = running.get(videoId);
    if (!controller || controller.signal.aborted) return false;
    controller.abort(abortReason(cause, videoId));
    return true;
  };

  let worker: Worker<IngestJobData, IngestJobResult, 'ingest'> | null = null;
  let subscriber: Redis | null = null;
  const run = options.run;
  if (run !== null) {
    subscriber = new Redis(url, { maxRetriesPerRequest: null });
    watch('cancel-subscriber', subscriber);
    subscriber.on('ready', () => outage.ready('cancel-subscriber'));
    subscriber.on('message', (ch: string, videoId: string) => {
      if (ch === channel && abortLocal(videoId, 'cancel'))
        log.info('cancelling a running ingest', { videoId });
    });
    try {
      await subscriber.subscribe(channel);
    } catch (error) {
      subscriber.disconnect();
      await Promise.allSettled([queue.close(), events.close(), commands.quit()]);
      throw unavailable(error, 'cannot subscribe to the cancel channel');
    }

    const processJob = async (
      job: Job<IngestJobData, IngestJobResult, 'ingest'>,
      token?: string,
    ): Promise<IngestJobResult> => {
      const videoId = job.data.videoId;
      const controller = new AbortController();
      running.set(videoId, controller);
      // Progress writes go out in order, at most one per whole percent or stage change.
      let chain: Promise<void> = Promise.resolve();
      let last = null as IngestProgressReport | null;
      const send = (p: IngestProgress) => {
        chain = chain.then(
          () => job.updateProgress(p),
          (error: unknown) => log.warn('could not write ingest progress', { videoId, reason: String(error) }),
        );
      };
      const onProgress = (p: IngestProgressReport) => {
        const moved =
          last === null ||
          last.stage !== p.stage ||
          Math.floor(last.percent) !== Math.floor(p.percent) ||
          (p.stagePercent >= 100 && last.stagePercent < 100);
        if (!moved) return;
        last = p;
        send({ ...p, status: 'ingesting', error: null });
      };
      log.info('ingest job started', { videoId, worker: workerName, attempt: job.attemptsStarted });
      try {
        // Registered before the check: a cancel published from here on reaches `running`. A job
        // cancelled before it started still runs, with its signal aborted: the job marks the video.
        if ((await commands.exists(keyOf(videoId))) === 1) controller.abort(abortReason('cancel', videoId));
        await run(videoId, controller.signal, onProgress);
        await chain;
        log.info('ingest job finished', { videoId, worker: workerName });
        return 'ready';
      } catch (error) {
        await chain;
        const outcome = outcomeOf(error, controller.signal);
        const cause = controller.signal.aborted ? abortCauseOf(controller.signal.reason) : null;
        if (outcome === 'cancelled') {
          await commands.del(keyOf(videoId)).catch((e: unknown) => {
            log.warn('could not clear a cancel flag (it expires by itself)', { videoId, reason: String(e) });
          });
          log.info('ingest job cancelled', { videoId, worker: workerName });
          throw new UnrecoverableError(encodeOutcome({ outcome: 'cancelled' }));
        }
        if (outcome === 'failed') {
          log.warn('ingest job failed in this worker', { videoId, worker: workerName, error });
          throw new UnrecoverableError(encodeOutcome({ outcome: 'failed', error: wireErrorOf(error) }));
        }
        if (cause === 'shutdown') {
          // Back to waiting with our lock: this or another worker resumes it at its first uncommitted stage.
          await job.updateProgress({
            videoId,
            status: 'queued',
            stage: last?.stage ?? null,
            stagePercent: 0,
            percent: last?.percent ?? 0,
            error: null,
          });
          await job.moveToWait(token);
          log.info('ingest job handed back for a later run', { videoId, worker: workerName });
          throw new WaitingError();
        }
        if (cause === 'lock-lost') throw error; // the job is another worker's now; BullMQ drops our result
        if (error instanceof SightlineError && error.code === 'ERR_ASSISTANT_UNAVAILABLE') {
          // This process has no models: the job waits for a worker that has them.
          log.warn('ingest job put back: this worker has no models loaded', {
            videoId,
            retryInMs: NO_MODELS_RETRY_MS,
          });
          await job.moveToDelayed(Date.now() + NO_MODELS_RETRY_MS, token);
          throw new DelayedError();
        }
        log.info('ingest job declined: nothing to ingest', { videoId, reason: String(error) });
        return 'declined';
      } finally {
        running.delete(videoId);
      }
    };

    worker = new Worker<IngestJobData, IngestJobResult, 'ingest'>(queueName, processJob, {
      connection: { url },
      prefix: KEY_PREFIX,
      concurrency: options.concurrency,
      lockDuration: lockDurationMs,
      stalledInterval: stalledIntervalMs,
      maxStalledCount: options.maxStalledCount ?? 3,
      name: workerName,
    });
    watch('worker', worker);
    watchReady('worker', worker);
    worker.on('lockRenewalFailed', (jobIds) => {
      for (const videoId of jobIds) {
        if (abortLocal(videoId, 'lock-lost'))
          log.warn('lost the lock of a running ingest; stopping it', { videoId });
      }
    });
  }

  try {
    await Promise.all([queue.waitUntilReady(), events.waitUntilReady(), worker?.waitUntilReady()]);
  } catch (error) {
    await closeAll();
    throw unavailable(error, 'the ingest queue could not start');
  }
  log.info('ingest queue on Redis ready', {
    redisUrl: redactRedisUrl(url),
    runsJobs: run !== null,
    concurrency: run !== null ? options.concurrency : 0,
    lockDurationMs,
    stalledIntervalMs,
  });

  /** As the in-process queue does: the job, started with its signal already cancelled, marks the video. */
  async function markCancelled(job: IngestJobFn, videoId: string): Promise<void> {
    const controller = new AbortController();
    controller.abort(new IngestCancelled(videoId));
    try {
      await job(videoId, controller.signal, () => undefined);
    } catch (error) {
      if (outcomeOf(error, controller.signal) !== 'cancelled') {
        log.warn('a cancelled ingest did not end as cancelled', { videoId, error });
      }
    }
    publish({ videoId, status: 'cancelled', stage: null, stagePercent: 0, percent: 0, error: null });
  }

  let closing: Promise<void> | null = null;
  async function closeAll(): Promise<void> {
    for (const videoId of running.keys()) abortLocal(videoId, 'shutdown');
    // With Redis away, BullMQ's graceful close (QUIT) would wait for a reconnect that may never come.
    const down = outage.isDown();
    if (worker) {
      if (down) await within(worker.close(true), FORCE_CLOSE_MS);
      else if (!(await within(worker.close(), closeTimeoutMs))) {
        log.warn('running ingests did not stop in time; their jobs resume after their locks expire', {
          closeTimeoutMs,
          running: [...running.keys()],
        });
        await within(worker.disconnect(), FORCE_CLOSE_MS);
      }
    }
    subscriber?.disconnect();
    await Promise.all(
      [events, queue].map(async (c) => {
        if (down || !(await within(c.close(), FORCE_CLOSE_MS))) await within(c.disconnect(), FORCE_CLOSE_MS);
      }),
    );
    commands.disconnect();
  }

  return {
    kind: 'bullmq',
    async enqueue(videoId: string): Promise<void> {
      if (closing) throw new SightlineError('ERR_INVALID_STATE', 'the ingest queue is closed');
      try {
        await commands.del(keyOf(videoId));
        await queue.add('ingest', { videoId }, { jobId: videoId });
      } catch (error) {
        log.error('could not enqueue an ingest', { videoId, error });
        throw unavailable(error, `could not queue the ingest of ${videoId}`);
      }
    },
    async cancel(videoId: string): Promise<boolean> {
      try {
        const job = await queue.getJob(videoId);
        if (!job) return false;
        const state = await job.getState();
        if (state === 'completed' || state === 'failed' || state === 'unknown') return false;
        if (state !== 'active') {
          try {
            await job.remove();
            log.info('removed a queued ingest', { videoId });
            if (run !== null) await markCancelled(run, videoId);
            else
              publish({
                videoId,
                status: 'cancelled',
                stage: null,
                stagePercent: 0,
                percent: 0,
                error: null,
              });
            return true;
          } catch {
            // it became active (locked) meanwhile: cancel it as a running job
          }
        }
        // The key first: a worker that has not yet registered the job sees it when it starts.
        await commands.set(keyOf(videoId), '1', 'PX', CANCEL_KEY_TTL_MS);
        abortLocal(videoId, 'cancel');
        await commands.publish(channel, videoId);
        return true;
      } catch (error) {
        log.error('could not cancel an ingest', { videoId, error });
        throw unavailable(error, `could not cancel the ingest of ${videoId}`);
      }
    },
    close(): Promise<void> {
      closing ??= closeAll();
      return closing;
    },
  };
}
