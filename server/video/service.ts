import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { isMissingFile } from '../../core/files.js';
import type { Logger } from '../../core/log.js';
import type { AssistantModels } from '../../pipelines/assistant/deps.js';
import type { PreparedVideoTurn } from '../../pipelines/assistant/videoFocus.js';
import {
  askVideo,
  finishVideoAnswer,
  prepareVideoQuestion,
  type VideoQuestionDeps,
} from '../../pipelines/video/ask/answer.js';
import type { IngestModels, TextImageModel, VideoIndexReader } from '../../pipelines/video/types.js';
import { SightlineError } from '../../protocol/errors.js';
import type { AskRequest, AskResponse, VideoInfo, VideoLimits } from '../../protocol/video.js';
import type { VideoConfig } from '../config.js';
import { VideoCatalog } from './catalog.js';
import { openVideoDb, type VideoDb } from './db/open.js';
import { SqliteVideoIndex } from './db/reader.js';
import { DiskVideoFiles } from './files.js';
import { failedOutsideJob, makeIngestJob } from './ingestJob.js';
import { LocalProgressBus, progressOf } from './progressBus.js';
import { createBullmqQueue } from './queue/bullmq.js';
import { createInProcessQueue } from './queue/inProcess.js';
import type { IngestQueue, ProgressBus, VideoService } from './types.js';
import { VideoUploads } from './upload.js';

/** The URL of a frame JPEG (the evidence's `url`); media GETs also take `?access_token=`. */
export function frameUrl(videoId: string, tMs: number): string {
  return `/api/videos/${videoId}/frames/${Math.round(tMs)}.jpg`;
}

/** An unfinished upload with no PATCH for this long is abandoned (removed at the next start, its quota freed). */
export const ABANDONED_UPLOAD_MS = 7 * 24 * 3600 * 1000;

export interface VideoServiceOptions {
  config: VideoConfig;
  /** The loaded assistant models; null when missing (uploads are kept `queued`, questions get ERR_ASSISTANT_UNAVAILABLE). */
  models: AssistantModels | null;
  /** A text–image model for "when does …" (null: text search alone). */
  textImage?: TextImageModel | null;
  /** Most tokens in one answer (LLM_MAX_NEW_TOKENS). */
  maxNewTokens: number;
  /** The owner a request's `Authorization` header names, or null (tus requests are authenticated again at creation). */
  ownerOf(authorization: string | null): string | null;
  clock: Clock;
  log: Logger;
  /** An index to use instead of `<dataDir>/sightline.db` (tests); closed by `close()` all the same. */
  db?: VideoDb;
}

/**
 * The video Q&A service of one server process: the SQLite index and the
 * files under SIGHTLINE_DATA_DIR, tus uploads, the ingest queue (in-process,
 * or BullMQ when REDIS_URL is set) and questions. At start it re-enqueues
 * every unfinished ingest (a killed ingest resumes at its next stage).
 */
export class LocalVideoService implements VideoService {
  readonly queue: IngestQueue;
  readonly progress: ProgressBus;
  readonly reader: VideoIndexReader;
  readonly catalog: VideoCatalog;
  readonly files: DiskVideoFiles;
  readonly uploads: VideoUploads;
  readonly #db: VideoDb;
  readonly #o: VideoServiceOptions;
  #closed = false;

  private constructor(
    o: VideoServiceOptions,
    parts: {
      db: VideoDb;
      catalog: VideoCatalog;
      files: DiskVideoFiles;
      progress: ProgressBus;
      queue: IngestQueue;
      uploads: VideoUploads;
    },
  ) {
    this.#o = o;
    this.#db = parts.db;
    this.catalog = parts.catalog;
    this.files = parts.files;
    this.progress = parts.progress;
    this.queue = parts.queue;
    this.uploads = parts.uploads;
    this.reader = new SqliteVideoIndex(parts.db);
  }

  static async create(o: VideoServiceOptions): Promise<LocalVideoService> {
    const log = o.log.child({ component: 'videos' });
    const db = o.db ?? openVideoDb(join(o.config.dataDir, 'sightline.db'));
    try {
      const catalog = new VideoCatalog(db);
      const files = new DiskVideoFiles(o.config.dataDir);
      const progress = new LocalProgressBus(log);
      const ingestModels: IngestModels | null = o.models
        ? {
            vad: o.models.vad,
            stt: o.models.stt,
            vision: o.models.vision,
            ocr: o.models.ocr,
            textImage: o.textImage ?? null,
          }
        : null;
      const run =
        o.config.ingestConcurrency > 0
          ? makeIngestJob({
              db,
              files,
              models: ingestModels,
              limits: { maxDurationMs: o.config.maxDurationMs },
              clock: o.clock,
              log,
              progress,
            })
          : null;
      const queue = o.config.redisUrl
        ? await createBullmqQueue({
            redisUrl: o.config.redisUrl,
            concurrency: o.config.ingestConcurrency,
            run,
            progress,
            log,
            onFailed: failedOutsideJob({ db, files, log }),
          })
        : createInProcessQueue({
            run: run as NonNullable<typeof run>,
            concurrency: o.config.ingestConcurrency,
            log,
          });
      const uploads = new VideoUploads({
        uploadsDir: join(o.config.dataDir, 'uploads'),
        files,
        catalog,
        maxUploadBytes: o.config.maxUploadBytes,
        quotaBytes: o.config.quotaBytes,
        ownerOf: o.ownerOf,
        onFinished: async (videoId) => {
          const info = catalog.info(videoId);
          if (info) progress.publish(progressOf(info));
          await queue.enqueue(videoId);
        },
        log,
      });
      const service = new LocalVideoService({ ...o, log }, { db, catalog, files, progress, queue, uploads });
      for (const id of catalog.staleUploads(ABANDONED_UPLOAD_MS)) {
        catalog.deleteRows(id);
        await uploads.removeUpload(id);
        log.info('removed an abandoned upload', { videoId: id });
      }
      await sweepFolders(catalog, files, join(o.config.dataDir, 'uploads'), log);
      const unfinished = catalog.unfinished();
      if (unfinished.length > 0) log.info('resuming unfinished ingests', { count: unfinished.length });
      for (const id of unfinished) await queue.enqueue(id);
      return service;
    } catch (error) {
      if (!o.db) db.close();
      throw error;
    }
  }

  limits(owner: string): VideoLimits {
    return {
      maxUploadBytes: this.#o.config.maxUploadBytes,
      maxDurationMs: this.#o.config.maxDurationMs,
      quotaBytes: this.#o.config.quotaBytes,
      usedBytes: this.catalog.usedBytes(owner),
    };
  }

  list(owner: string): VideoInfo[] {
    return this.catalog.list(owner);
  }

  get(owner: string, videoId: string): VideoInfo {
    return this.catalog.get(owner, videoId);
  }

  /** Only a ready video answers; the others say why (ERR_UPLOAD_INCOMPLETE, ERR_VIDEO_NOT_READY). */
  #checkAnswerable(info: VideoInfo): void {
    if (info.status === 'ready') return;
    if (info.status === 'uploading') throw new SightlineError('ERR_UPLOAD_INCOMPLETE');
    if (info.status === 'failed' || info.status === 'cancelled') {
      throw new SightlineError(
        'ERR_VIDEO_NOT_READY',
        `the video is ${info.status}; it will not become ready`,
      );
    }
    throw new SightlineError(
      'ERR_VIDEO_NOT_READY',
      `the video is ${info.status} (${Math.round(info.percent)} %)`,
    );
  }

  #questionDeps(): VideoQuestionDeps {
    return {
      reader: this.reader,
      files: this.files,
      textImage: this.#o.textImage ?? null,
      frameUrl,
      nowMs: () => this.#o.clock.nowMs(),
    };
  }

  async ask(owner: string, videoId: string, request: AskRequest, signal?: AbortSignal): Promise<AskResponse> {
    this.#checkAnswerable(this.catalog.get(owner, videoId));
    const llm = this.#o.models?.llm;
    if (!llm) throw new SightlineError('ERR_ASSISTANT_UNAVAILABLE');
    return askVideo(
      { ...this.#questionDeps(), llm, maxNewTokens: this.#o.maxNewTokens },
      videoId,
      request,
      signal,
    );
  }

  /**
   * A question asked in a call: the same parse and evidence as `ask`, as
   * prompt content for the call's dialog (which generates and speaks), with
   * the citation check for its answer. Same errors as `ask`, less the LLM's.
   */
  async prepareQuestion(
    owner: string,
    videoId: string,
    question: string,
    signal?: AbortSignal,
  ): Promise<PreparedVideoTurn> {
    this.#checkAnswerable(this.catalog.get(owner, videoId));
    const prepared = await prepareVideoQuestion(this.#questionDeps(), videoId, question, signal);
    return {
      kind: prepared.parsed.kind,
      evidence: prepared.wireEvidence,
      moments: prepared.evidence.moments,
      content: prepared.content,
      cite: (answerText) => finishVideoAnswer(prepared, answerText).citations,
    };
  }

  /**
   * Stops the video's ingest (queued or running, in any worker) and keeps its
   * row as `cancelled` (files removed); the progress streams end with it.
   * Cancelling a video that is not being ingested is ERR_INVALID_STATE.
   */
  async cancel(owner: string, videoId: string): Promise<VideoInfo> {
    const info = this.catalog.get(owner, videoId);
    if (info.status !== 'queued' && info.status !== 'ingesting' && info.status !== 'uploading') {
      throw new SightlineError(
        'ERR_INVALID_STATE',
        `video ${videoId} is ${info.status}: there is no ingest to cancel`,
      );
    }
    const stopped = await this.queue.cancel(videoId);
    // Not in any queue (an unfinished upload, or one waiting for models): cancel the row here.
    if (!stopped && this.catalog.markCancelled(videoId)) {
      await rm(this.files.dir(videoId), { recursive: true, force: true });
      await this.uploads.removeUpload(videoId);
    }
    const after = this.catalog.get(owner, videoId);
    this.progress.publish(progressOf(after));
    return after;
  }

  async remove(owner: string, videoId: string): Promise<void> {
    const info = this.catalog.get(owner, videoId);
    await this.queue.cancel(videoId);
    this.catalog.deleteRows(videoId);
    await rm(this.files.dir(videoId), { recursive: true, force: true });
    await this.uploads.removeUpload(videoId);
    // Streams watching it end: it will never progress again.
    this.progress.publish({ ...progressOf(info), status: 'cancelled' });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.queue.close();
    } finally {
      this.#db.close();
    }
  }
}

/**
 * Removes what a process killed at the wrong moment left: the folders of
 * failed, cancelled or deleted videos (their rows say so, or are gone) and
 * upload files without a row.
 */
async function sweepFolders(
  catalog: VideoCatalog,
  files: DiskVideoFiles,
  uploadsDir: string,
  log: Logger,
): Promise<void> {
  const keeps = catalog.keepsFiles();
  const stale: string[] = [];
  for (const name of await listDir(join(files.root, 'videos'))) {
    if (keeps.get(name) !== true) stale.push(join(files.root, 'videos', name));
  }
  for (const name of await listDir(uploadsDir)) {
    if (!keeps.has(name.replace(/\.json$/, ''))) stale.push(join(uploadsDir, name));
  }
  for (const path of stale) await rm(path, { recursive: true, force: true });
  if (stale.length > 0) log.info('removed files no video needs', { count: stale.length });
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isMissingFile(error)) return [];
    throw error;
  }
}

/** Opens the video service (see LocalVideoService). */
export function createVideoService(options: VideoServiceOptions): Promise<LocalVideoService> {
  return LocalVideoService.create(options);
}
