/**
 * What the BullMQ ingest queue puts in Redis besides the job itself: the
 * progress payload (`job.updateProgress`, read back by every process's
 * QueueEvents), the outcome carried in a failed job's reason, the
 * cancellation channel and keys, and the reasons a running job is aborted.
 */
import { isErrorCode, SightlineError, type WireError } from '../../../protocol/errors.js';
import {
  type IngestProgress,
  VIDEO_STAGES,
  type VideoStage,
  type VideoStatus,
} from '../../../protocol/video.js';
import { IngestCancelled, IngestShutdown } from './job.js';

/** A job's data: the video to ingest (its id is also the job id). */
export interface IngestJobData {
  videoId: string;
}

/**
 * A completed job's return value: `ready`, or `declined` when the job found
 * nothing to do (the video was deleted or cancelled before it started).
 */
export type IngestJobResult = 'ready' | 'declined';

/** How a job that did not complete ended, as its failed reason carries it. */
export type JobOutcome = { outcome: 'cancelled' } | { outcome: 'failed'; error: WireError };

const OUTCOME_PREFIX = 'sightline-outcome:';

/** The failed reason of a job that ended as `outcome` (JSON after a fixed prefix). */
export function encodeOutcome(outcome: JobOutcome): string {
  return `${OUTCOME_PREFIX}${JSON.stringify(outcome)}`;
}

/**
 * The outcome a failed reason carries. A reason without our prefix is BullMQ's
 * own (a job that stalled more often than `maxStalledCount`, a lost lock): the
 * ingest failed, ERR_VIDEO_INGEST_FAILED with that reason.
 */
export function decodeOutcome(failedReason: string): JobOutcome {
  if (failedReason.startsWith(OUTCOME_PREFIX)) {
    try {
      const parsed = JSON.parse(failedReason.slice(OUTCOME_PREFIX.length)) as Partial<{
        outcome: string;
        error: Partial<WireError>;
      }>;
      if (parsed.outcome === 'cancelled') return { outcome: 'cancelled' };
      const code = parsed.error?.code;
      if (parsed.outcome === 'failed' && typeof code === 'string' && isErrorCode(code)) {
        const message = typeof parsed.error?.message === 'string' ? parsed.error.message : undefined;
        return { outcome: 'failed', error: new SightlineError(code, message).toWire() };
      }
    } catch {
      // not ours after all: reported as BullMQ's reason below
    }
  }
  return {
    outcome: 'failed',
    error: new SightlineError('ERR_VIDEO_INGEST_FAILED', `ingest failed: ${failedReason}`).toWire(),
  };
}

/** The wire form of whatever an ingest threw (a SightlineError keeps its code). */
export function wireErrorOf(error: unknown): WireError {
  if (error instanceof SightlineError) return error.toWire();
  const message = error instanceof Error ? error.message : String(error);
  return new SightlineError('ERR_VIDEO_INGEST_FAILED', `ingest failed: ${message}`).toWire();
}

const STATUSES: ReadonlySet<string> = new Set<VideoStatus>([
  'uploading',
  'queued',
  'ingesting',
  'ready',
  'failed',
  'cancelled',
]);
const STAGES: ReadonlySet<string> = new Set<string>(VIDEO_STAGES);

function percentOf(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 100 ? v : null;
}

/** A progress payload read back from Redis, checked field by field; null when it is not one of ours. */
export function parseProgress(data: unknown, jobId: string): IngestProgress | null {
  if (typeof data !== 'object' || data === null) return null;
  const d = data as Record<string, unknown>;
  const stagePercent = percentOf(d.stagePercent);
  const percent = percentOf(d.percent);
  if (d.videoId !== jobId || typeof d.status !== 'string' || !STATUSES.has(d.status)) return null;
  if (stagePercent === null || percent === null) return null;
  if (d.stage !== null && (typeof d.stage !== 'string' || !STAGES.has(d.stage))) return null;
  let error: WireError | null = null;
  if (d.error !== null && d.error !== undefined) {
    const e = d.error as Partial<WireError>;
    if (typeof e.code !== 'string' || !isErrorCode(e.code)) return null;
    error = new SightlineError(e.code, typeof e.message === 'string' ? e.message : undefined).toWire();
  }
  return {
    videoId: jobId,
    status: d.status as VideoStatus,
    stage: d.stage as VideoStage | null,
    stagePercent,
    percent,
    error,
  };
}

/** The Redis pub/sub channel a queue's cancellations are announced on. */
export function cancelChannel(prefix: string, queueName: string): string {
  return `${prefix}:${queueName}:cancel`;
}

/** The key that marks a video's ingest cancelled (checked when a job starts: a cancel may beat the worker). */
export function cancelKey(prefix: string, queueName: string, videoId: string): string {
  return `${prefix}:${queueName}:cancelled:${videoId}`;
}

/** Why a running job's signal fired. */
export type AbortCause = 'cancel' | 'shutdown' | 'lock-lost';

/** The abort reason of a job whose lock expired: another worker took it over. */
export class IngestLockLost extends SightlineError {
  constructor(videoId: string) {
    super(
      'ERR_ABORTED',
      `the worker lost the ingest of ${videoId} (its lock expired); another worker resumes it`,
    );
    this.name = 'IngestLockLost';
  }
}

/**
 * The abort reason for `cause`: always ERR_ABORTED. A cancel is an
 * IngestCancelled (the job marks the video `cancelled`); a shutdown or a lost
 * lock leave the committed stages for the run that resumes it.
 */
export function abortReason(cause: AbortCause, videoId: string): SightlineError {
  if (cause === 'cancel') return new IngestCancelled(videoId);
  if (cause === 'shutdown') return new IngestShutdown();
  return new IngestLockLost(videoId);
}

/** The AbortCause of an abort reason made by `abortReason`, else null. */
export function abortCauseOf(reason: unknown): AbortCause | null {
  if (reason instanceof IngestCancelled) return 'cancel';
  if (reason instanceof IngestShutdown) return 'shutdown';
  if (reason instanceof IngestLockLost) return 'lock-lost';
  return null;
}

/** `redis://user:secret@host:6379/0` → `redis://user:***@host:6379/0`, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable REDIS_URL)';
  }
}
