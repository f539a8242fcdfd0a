import type { IngestProgressReport } from '../../../pipelines/video/types.js';
import { SightlineError } from '../../../protocol/errors.js';

/**
 * One video's ingest as a queue runs it (in this process, or in a BullMQ
 * worker process). It resolves when the video is `ready`; it rejects with a
 * non-retryable SightlineError when the video `failed`, and with ERR_ABORTED
 * when `signal` stopped it: an `IngestCancelled` reason means the video was
 * cancelled (the job marks it so), any other reason (shutdown) leaves the
 * committed stages for the next run. ERR_ASSISTANT_UNAVAILABLE: the models
 * are not loaded, the video stays `queued` for the next start.
 */
export type IngestJobFn = (
  videoId: string,
  signal: AbortSignal,
  onProgress: (p: IngestProgressReport) => void,
) => Promise<void>;

/** How one job ended, as a queue reports it. */
export type IngestOutcome = 'ready' | 'failed' | 'cancelled' | 'aborted';

/** The abort reason of a cancel (DELETE, or an explicit cancel), as opposed to a shutdown. */
export class IngestCancelled extends SightlineError {
  constructor(videoId: string) {
    super('ERR_ABORTED', `the ingest of ${videoId} was cancelled`);
    this.name = 'IngestCancelled';
  }
}

/** The abort reason of a shutdown: the job stops and resumes on the next start. */
export class IngestShutdown extends SightlineError {
  constructor() {
    super('ERR_ABORTED', 'the ingest queue is closing; the ingest resumes on the next start');
    this.name = 'IngestShutdown';
  }
}

/** How a job's settlement maps to an outcome (shared by every queue). */
export function outcomeOf(error: unknown, signal: AbortSignal): IngestOutcome {
  if (error === undefined) return 'ready';
  if (signal.aborted) return signal.reason instanceof IngestCancelled ? 'cancelled' : 'aborted';
  if (
    error instanceof SightlineError &&
    (error.code === 'ERR_ABORTED' || error.code === 'ERR_ASSISTANT_UNAVAILABLE')
  ) {
    return 'aborted';
  }
  return 'failed';
}
