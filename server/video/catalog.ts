import type { ProbeInfo } from '../../pipelines/video/types.js';
import { ERROR_CATALOGUE, type ErrorCode, isErrorCode, SightlineError } from '../../protocol/errors.js';
import type { VideoInfo, VideoStage, VideoStatus } from '../../protocol/video.js';
import { VIDEO_STAGES } from '../../protocol/video.js';
import type { VideoDb } from './db/open.js';

/** A `videos` row as stored. */
interface VideoRow {
  id: string;
  owner: string;
  name: string;
  size_bytes: number;
  stored_bytes: number;
  status: VideoStatus;
  stage: string | null;
  stage_percent: number;
  percent: number;
  error_code: string | null;
  error_message: string | null;
  probe_json: string | null;
  duration_ms: number | null;
  created_at_ms: number;
  updated_at_ms: number;
  ready_at_ms: number | null;
}

/** What a new upload records at tus creation. */
export interface NewUpload {
  id: string;
  owner: string;
  name: string;
  sizeBytes: number;
  /** The owner's quota; the row is not written when it would go over. */
  quotaBytes: number;
}

/** The statuses whose files still count against the quota. */
const HOLDS_FILES = "status IN ('uploading','queued','ingesting','ready')";

function asStage(stage: string | null): VideoStage | null {
  return stage !== null && (VIDEO_STAGES as readonly string[]).includes(stage) ? (stage as VideoStage) : null;
}

/**
 * The lifecycle rows of the `videos` table: created when a tus upload starts,
 * queued when it finishes, then ingested (by the ingest writer), failed,
 * cancelled or deleted. Reads are per owner: a foreign id reads as missing.
 * Wall-clock times (they outlive the process) come from `nowMs`.
 */
export class VideoCatalog {
  readonly #db: VideoDb;
  readonly #nowMs: () => number;

  constructor(db: VideoDb, nowMs: () => number = Date.now) {
    this.#db = db;
    this.#nowMs = nowMs;
  }

  /** Bytes `owner` holds: stored (or, before that is known, uploaded) bytes of every video that keeps files. */
  usedBytes(owner: string): number {
    const row = this.#db
      .prepare(
        `SELECT COALESCE(SUM(MAX(size_bytes, stored_bytes)), 0) AS used FROM videos WHERE owner = ? AND ${HOLDS_FILES}`,
      )
      .get(owner) as { used: number };
    return row.used;
  }

  /** Records a new upload (status `uploading`); ERR_VIDEO_QUOTA when it does not fit, checked in the same transaction. */
  createUpload(upload: NewUpload): void {
    this.#db
      .transaction(() => {
        const used = this.usedBytes(upload.owner);
        if (used + upload.sizeBytes > upload.quotaBytes) {
          throw new SightlineError(
            'ERR_VIDEO_QUOTA',
            `this upload (${upload.sizeBytes} bytes) would take your storage to ${used + upload.sizeBytes} bytes, over the quota of ${upload.quotaBytes}`,
          );
        }
        const now = this.#nowMs();
        this.#db
          .prepare(
            `INSERT INTO videos (id, owner, name, size_bytes, status, created_at_ms, updated_at_ms)
           VALUES (?, ?, ?, ?, 'uploading', ?, ?)`,
          )
          .run(upload.id, upload.owner, upload.name, upload.sizeBytes, now, now);
      })
      .immediate();
  }

  #row(videoId: string): VideoRow | undefined {
    return this.#db.prepare('SELECT * FROM videos WHERE id = ?').get(videoId) as VideoRow | undefined;
  }

  /** The owner of a video, or null when there is no such row. */
  ownerOf(videoId: string): string | null {
    return this.#row(videoId)?.owner ?? null;
  }

  /** The status of a video, or null when there is no such row. */
  status(videoId: string): VideoStatus | null {
    return this.#row(videoId)?.status ?? null;
  }

  /** The video as its owner sees it; ERR_VIDEO_NOT_FOUND when missing or foreign. */
  get(owner: string, videoId: string): VideoInfo {
    const row = this.#row(videoId);
    if (!row || row.owner !== owner) {
      throw new SightlineError('ERR_VIDEO_NOT_FOUND', `no video ${JSON.stringify(videoId)}`);
    }
    return this.#info(row);
  }

  /** The video whoever owns it (for the ingest job and the progress stream), null when missing. */
  info(videoId: string): VideoInfo | null {
    const row = this.#row(videoId);
    return row ? this.#info(row) : null;
  }

  /** The owner's videos, newest first. */
  list(owner: string): VideoInfo[] {
    const rows = this.#db
      .prepare('SELECT * FROM videos WHERE owner = ? ORDER BY created_at_ms DESC, id')
      .all(owner) as VideoRow[];
    return rows.map((r) => this.#info(r));
  }

  /** The probe facts, once `probe` committed. */
  probe(videoId: string): ProbeInfo | null {
    const json = this.#row(videoId)?.probe_json;
    return json ? (JSON.parse(json) as ProbeInfo) : null;
  }

  #set(videoId: string, sql: string, from: readonly VideoStatus[], ...params: unknown[]): boolean {
    const marks = from.map(() => '?').join(',');
    const result = this.#db
      .prepare(`UPDATE videos SET ${sql}, updated_at_ms = ? WHERE id = ? AND status IN (${marks})`)
      .run(...params, this.#nowMs(), videoId, ...from);
    return result.changes > 0;
  }

  /** The upload finished: queued for ingest. False when the row is gone or not uploading. */
  markQueued(videoId: string): boolean {
    return this.#set(videoId, "status = 'queued'", ['uploading']);
  }

  /** An ingest run started (or resumed). False when the video is no longer queued or ingesting. */
  markIngesting(videoId: string): boolean {
    return this.#set(videoId, "status = 'ingesting'", ['queued', 'ingesting']);
  }

  /** The ingest was cancelled; the files are removed by the caller. */
  markCancelled(videoId: string): boolean {
    return this.#set(videoId, "status = 'cancelled', stored_bytes = 0", ['uploading', 'queued', 'ingesting']);
  }

  /** Failed for good with a catalogue code (the files are removed by the caller; the row stays to say why). */
  markFailed(videoId: string, code: ErrorCode, message: string): boolean {
    return this.#set(
      videoId,
      "status = 'failed', error_code = ?, error_message = ?, stored_bytes = 0",
      ['uploading', 'queued', 'ingesting'],
      code,
      message,
    );
  }

  /** What the video's folder holds, measured after ingest. */
  setStoredBytes(videoId: string, bytes: number): void {
    this.#db.prepare('UPDATE videos SET stored_bytes = ? WHERE id = ?').run(bytes, videoId);
  }

  /** Videos whose ingest has not finished (queued or interrupted), oldest first: re-enqueued at start. */
  unfinished(): string[] {
    const rows = this.#db
      .prepare("SELECT id FROM videos WHERE status IN ('queued','ingesting') ORDER BY created_at_ms, id")
      .all() as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Every video id with a row, and whether its files should still exist (false: failed or cancelled). */
  keepsFiles(): Map<string, boolean> {
    const rows = this.#db.prepare('SELECT id, status FROM videos').all() as {
      id: string;
      status: VideoStatus;
    }[];
    return new Map(rows.map((r) => [r.id, r.status !== 'failed' && r.status !== 'cancelled']));
  }

  /** Records activity on an unfinished upload (a PATCH), so it is not taken for abandoned. */
  touch(videoId: string): void {
    this.#db
      .prepare("UPDATE videos SET updated_at_ms = ? WHERE id = ? AND status = 'uploading'")
      .run(this.#nowMs(), videoId);
  }

  /** Unfinished uploads with no activity for `maxIdleMs`: abandoned, removed at start. */
  staleUploads(maxIdleMs: number): string[] {
    const rows = this.#db
      .prepare(
        "SELECT id FROM videos WHERE status = 'uploading' AND updated_at_ms < ? ORDER BY created_at_ms, id",
      )
      .all(this.#nowMs() - maxIdleMs) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** Deletes the video's rows (its full-text rows too) in one transaction; false when there was none. */
  deleteRows(videoId: string): boolean {
    return this.#db
      .transaction(() => {
        this.#db.prepare('DELETE FROM text_fts WHERE video_id = ?').run(videoId);
        return this.#db.prepare('DELETE FROM videos WHERE id = ?').run(videoId).changes > 0;
      })
      .immediate();
  }

  #firstFrameMs(videoId: string): number | null {
    const row = this.#db
      .prepare(
        `SELECT MIN(f.t_ms) AS t FROM frames f
         WHERE f.video_id = ? AND EXISTS (SELECT 1 FROM video_stages s WHERE s.video_id = f.video_id AND s.stage = 'frames')`,
      )
      .get(videoId) as { t: number | null };
    return row.t;
  }

  #info(row: VideoRow): VideoInfo {
    const probe = row.probe_json ? (JSON.parse(row.probe_json) as ProbeInfo) : null;
    const first = row.status === 'failed' || row.status === 'cancelled' ? null : this.#firstFrameMs(row.id);
    const code = row.error_code !== null && isErrorCode(row.error_code) ? row.error_code : null;
    return {
      id: row.id,
      name: row.name,
      status: row.status,
      stage: asStage(row.stage),
      percent: row.status === 'ready' ? 100 : Math.min(99, Math.max(0, row.percent)),
      sizeBytes: row.size_bytes,
      storedBytes: row.stored_bytes,
      durationMs: probe?.durationMs ?? row.duration_ms,
      width: probe?.width ?? null,
      height: probe?.height ?? null,
      hasAudio: probe?.hasAudio ?? null,
      hasVideo: probe?.hasVideo ?? null,
      createdAtMs: row.created_at_ms,
      readyAtMs: row.ready_at_ms,
      error:
        row.status === 'failed'
          ? {
              code: code ?? 'ERR_VIDEO_INGEST_FAILED',
              message: row.error_message ?? ERROR_CATALOGUE[code ?? 'ERR_VIDEO_INGEST_FAILED'].message,
              retryable: ERROR_CATALOGUE[code ?? 'ERR_VIDEO_INGEST_FAILED'].retryable,
              recoverable: ERROR_CATALOGUE[code ?? 'ERR_VIDEO_INGEST_FAILED'].recoverable,
            }
          : null,
      thumbnailUrl: first === null ? null : `/api/videos/${row.id}/thumbs/${first}.jpg`,
    };
  }
}
