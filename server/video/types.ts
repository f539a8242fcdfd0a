/**
 * The server's video Q&A service as the HTTP routes, the signaling connection
 * and the CLI see it. Owners are token subjects: nobody lists, reads, asks
 * about or deletes another owner's video (a foreign id reads as not found).
 */
import type { PreparedVideoTurn } from '../../pipelines/assistant/videoFocus.js';
import type { VideoIndexReader } from '../../pipelines/video/types.js';
import type {
  AskRequest,
  AskResponse,
  IngestProgress,
  VideoInfo,
  VideoLimits,
} from '../../protocol/video.js';

/** The ingest queue: in-process by default, BullMQ on Redis when REDIS_URL is set. */
export interface IngestQueue {
  readonly kind: 'in-process' | 'bullmq';
  /** Queues the video's ingest (idempotent: a video already queued or running is not queued twice). */
  enqueue(videoId: string): Promise<void>;
  /** Stops a queued or running ingest; true when there was one. The video becomes `cancelled`. */
  cancel(videoId: string): Promise<boolean>;
  /** Stops taking work; running ingests are aborted and resume on the next start. */
  close(): Promise<void>;
}

/** Ingest progress fan-out (in-process events, or BullMQ's QueueEvents from other processes). */
export interface ProgressBus {
  publish(progress: IngestProgress): void;
  /** Progress of one video, or of every video (`'*'`); returns the unsubscribe. */
  subscribe(videoId: string | '*', listener: (progress: IngestProgress) => void): () => void;
}

export interface VideoService {
  readonly queue: IngestQueue;
  readonly progress: ProgressBus;
  /** The index, for the call's dialog (the same reader `ask` uses). */
  readonly reader: VideoIndexReader;
  limits(owner: string): VideoLimits;
  list(owner: string): VideoInfo[];
  /** Throws ERR_VIDEO_NOT_FOUND for a missing or foreign id. */
  get(owner: string, videoId: string): VideoInfo;
  /** Throws ERR_VIDEO_NOT_FOUND, ERR_VIDEO_NOT_READY, ERR_ASSISTANT_UNAVAILABLE (no LLM). */
  ask(owner: string, videoId: string, request: AskRequest, signal?: AbortSignal): Promise<AskResponse>;
  /**
   * A question asked in a call: everything `ask` does before the LLM (the same
   * parse, evidence and prompt content), for the call's dialog to answer and
   * speak. Throws like `ask` (ERR_VIDEO_NOT_FOUND for a foreign id, ERR_VIDEO_NOT_READY).
   */
  prepareQuestion(
    owner: string,
    videoId: string,
    question: string,
    signal?: AbortSignal,
  ): Promise<PreparedVideoTurn>;
  /** Stops its ingest; the row stays `cancelled`. ERR_VIDEO_NOT_FOUND, ERR_INVALID_STATE (nothing to cancel). */
  cancel(owner: string, videoId: string): Promise<VideoInfo>;
  /** Cancels its ingest, deletes its rows and files. Throws ERR_VIDEO_NOT_FOUND. */
  remove(owner: string, videoId: string): Promise<void>;
  close(): Promise<void>;
}
