import { rm, stat } from 'node:fs/promises';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import { runIngest } from '../../pipelines/video/ingest/runner.js';
import type { IngestLimits, IngestModels } from '../../pipelines/video/types.js';
import { isErrorCode, SightlineError } from '../../protocol/errors.js';
import { VideoCatalog } from './catalog.js';
import type { VideoDb } from './db/open.js';
import { SqliteVideoIndex } from './db/reader.js';
import { SqliteIngestWriter } from './db/writer.js';
import { diskUsageBytes } from './diskUsage.js';
import type { DiskVideoFiles } from './files.js';
import { progressOf } from './progressBus.js';
import { IngestCancelled, type IngestJobFn } from './queue/job.js';
import type { ProgressBus } from './types.js';

export interface IngestJobDeps {
  db: VideoDb;
  files: DiskVideoFiles;
  /** null: the models are not loaded; videos wait `queued` until a start that has them. */
  models: IngestModels | null;
  limits: IngestLimits;
  clock: Clock;
  log: Logger;
  progress: ProgressBus;
}

/**
 * The ingest of one video as every queue runs it: the video becomes
 * `ingesting`, `runIngest` runs (or resumes) its stages with the SQLite writer
 * and reader, progress goes to the bus; at the end the folder's size is stored
 * and `ready` published. A failure leaves only the row (status `failed`, its
 * code); a cancel marks it `cancelled` and removes its files; a shutdown leaves
 * it `ingesting` with its committed stages, resumed on the next start.
 *
 * Without models the video stays `queued` (one warning per run) and the job
 * rejects with ERR_ASSISTANT_UNAVAILABLE, so an upload made while models are
 * missing is indexed at the first start that has them.
 */
export function makeIngestJob(deps: IngestJobDeps): IngestJobFn {
  const catalog = new VideoCatalog(deps.db);
  const publish = (videoId: string, stagePercent?: number): void => {
    const info = catalog.info(videoId);
    if (info) deps.progress.publish(progressOf(info, stagePercent));
  };
  const removeFiles = (videoId: string) => rm(deps.files.dir(videoId), { recursive: true, force: true });

  const cancelled = async (videoId: string): Promise<never> => {
    catalog.markCancelled(videoId);
    await removeFiles(videoId);
    publish(videoId);
    throw new IngestCancelled(videoId);
  };

  return async (videoId, signal, onProgress) => {
    const log = deps.log.child({ videoId });
    if (signal.aborted && signal.reason instanceof IngestCancelled) return cancelled(videoId);
    const status = catalog.status(videoId);
    if (status === 'ready') {
      publish(videoId);
      return;
    }
    if (status !== 'queued' && status !== 'ingesting') {
      throw new SightlineError('ERR_ABORTED', `video ${videoId} is ${status ?? 'gone'}; nothing to ingest`);
    }
    const models = deps.models;
    if (!models) {
      log.warn(
        'video ingest waits: the models are not loaded (see /readyz); it runs at the next start that has them',
      );
      publish(videoId);
      throw new SightlineError('ERR_ASSISTANT_UNAVAILABLE', 'the ingest models are not loaded');
    }
    try {
      await stat(deps.files.source(videoId));
    } catch (error) {
      catalog.markFailed(videoId, 'ERR_VIDEO_INGEST_FAILED', 'the uploaded file is missing');
      publish(videoId);
      throw new SightlineError('ERR_VIDEO_INGEST_FAILED', `the source of ${videoId} is missing`, {
        cause: error,
      });
    }
    if (!catalog.markIngesting(videoId)) {
      throw new SightlineError('ERR_ABORTED', `video ${videoId} left the queue before its ingest started`);
    }
    publish(videoId);
    try {
      await runIngest(
        videoId,
        {
          writer: new SqliteIngestWriter(deps.db),
          reader: new SqliteVideoIndex(deps.db),
          files: deps.files,
          models,
          limits: deps.limits,
          clock: deps.clock,
          log,
        },
        {
          signal,
          onProgress: (p) => {
            onProgress(p);
            const info = catalog.info(videoId);
            if (!info) return;
            deps.progress.publish({
              ...progressOf(info, p.stagePercent),
              status: 'ingesting',
              stage: p.stage,
              percent: Math.min(99, p.percent),
            });
          },
        },
      );
    } catch (error) {
      if (signal.aborted) {
        if (signal.reason instanceof IngestCancelled) return cancelled(videoId);
        throw error;
      }
      const wire = error instanceof SightlineError ? error : null;
      const code = wire && !wire.retryable ? wire.code : 'ERR_VIDEO_INGEST_FAILED';
      catalog.markFailed(videoId, code, wire?.message ?? 'indexing the video failed');
      await removeFiles(videoId);
      publish(videoId);
      throw error;
    }
    catalog.setStoredBytes(videoId, await diskUsageBytes(deps.files.dir(videoId)));
    publish(videoId);
  };
}

/**
 * Marks a video failed when its queue gave up on it outside any job function (BullMQ's stalled
 * check after too many crashes): only a row still queued or ingesting changes, so every process
 * may call it; its files go, the row stays to say why.
 */
export function failedOutsideJob(deps: Pick<IngestJobDeps, 'db' | 'files' | 'log'>) {
  const catalog = new VideoCatalog(deps.db);
  return (videoId: string, error: { code: string; message: string }): void => {
    const code = isErrorCode(error.code) ? error.code : 'ERR_VIDEO_INGEST_FAILED';
    if (!catalog.markFailed(videoId, code, error.message)) return;
    deps.log.warn('the ingest queue gave up on a video; it is marked failed', { videoId, code });
    void rm(deps.files.dir(videoId), { recursive: true, force: true });
  };
}
