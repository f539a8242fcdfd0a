import type { Logger } from '../../../core/log.js';
import type { IngestProgressReport } from '../../../pipelines/video/types.js';
import { SightlineError } from '../../../protocol/errors.js';
import type { IngestQueue } from '../types.js';
import { IngestCancelled, type IngestJobFn, type IngestOutcome, IngestShutdown, outcomeOf } from './job.js';

export interface InProcessQueueOptions {
  run: IngestJobFn;
  /** Ingests running at once (at least 1). */
  concurrency: number;
  log: Logger;
  /** Called once per job when it settles (after the job's own writes). */
  onSettled?: (videoId: string, outcome: IngestOutcome) => void;
  /** Progress as the job reports it (the job publishes to the bus itself). */
  onProgress?: (p: IngestProgressReport) => void;
}

interface Running {
  controller: AbortController;
  done: Promise<void>;
}

/**
 * The default ingest queue: a FIFO in this process, at most `concurrency` jobs
 * at once. `cancel` aborts a running job with an `IngestCancelled` reason (a
 * queued one runs at once with that signal already aborted, so the job alone
 * marks videos cancelled); `close` aborts running jobs with `IngestShutdown`
 * (they resume on the next start) and drops the waiting ones (still `queued`
 * in the catalogue, re-enqueued at start).
 */
export function createInProcessQueue(options: InProcessQueueOptions): IngestQueue {
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) {
    throw new SightlineError(
      'ERR_INVALID_ARGUMENT',
      'the ingest concurrency is a whole number of at least 1',
    );
  }
  const waiting: string[] = [];
  const running = new Map<string, Running>();
  let closed = false;
  const onProgress = options.onProgress ?? (() => undefined);

  const start = (videoId: string, controller: AbortController): Running => {
    const done = (async () => {
      let error: unknown;
      try {
        await options.run(videoId, controller.signal, onProgress);
      } catch (e) {
        error = e ?? new Error('ingest job rejected without a reason');
      }
      const outcome = outcomeOf(error, controller.signal);
      if (outcome === 'failed') options.log.warn('ingest failed', { videoId, error });
      else options.log.debug('ingest settled', { videoId, outcome });
      try {
        options.onSettled?.(videoId, outcome);
      } catch (e) {
        options.log.error('ingest onSettled failed', { videoId, error: e });
      }
    })();
    return { controller, done };
  };

  const pump = (): void => {
    while (!closed && running.size < options.concurrency && waiting.length > 0) {
      const videoId = waiting.shift() as string;
      const job = start(videoId, new AbortController());
      running.set(videoId, job);
      void job.done.then(() => {
        running.delete(videoId);
        pump();
      });
    }
  };

  return {
    kind: 'in-process',
    async enqueue(videoId) {
      if (closed) throw new SightlineError('ERR_INVALID_STATE', 'the ingest queue is closed');
      if (running.has(videoId) || waiting.includes(videoId)) return;
      waiting.push(videoId);
      pump();
    },
    async cancel(videoId) {
      const i = waiting.indexOf(videoId);
      if (i >= 0) {
        waiting.splice(i, 1);
        const controller = new AbortController();
        controller.abort(new IngestCancelled(videoId));
        await start(videoId, controller).done;
        return true;
      }
      const job = running.get(videoId);
      if (!job) return false;
      job.controller.abort(new IngestCancelled(videoId));
      await job.done;
      return true;
    },
    async close() {
      if (closed) return;
      closed = true;
      waiting.length = 0;
      const jobs = [...running.values()];
      for (const job of jobs) job.controller.abort(new IngestShutdown());
      await Promise.all(jobs.map((j) => j.done));
    },
  };
}
