import type {
  ChapterRecord,
  FrameRecord,
  IngestWriter,
  OcrRecord,
  ProbeInfo,
  SegmentRecord,
} from '../../../pipelines/video/types.js';
import { SightlineError } from '../../../protocol/errors.js';
import { VIDEO_STAGES, type VideoStage } from '../../../protocol/video.js';
import type { VideoDb } from './open.js';

/**
 * On-screen text with its glued words pulled apart, for word search: PP-OCR
 * often reads `PLATFORM9CLOSED` or `DoorOpens`; this gives `PLATFORM 9 CLOSED`
 * and `Door Opens` (letters/digits and lower/upper boundaries; an all-capitals
 * run stays whole, the trigram index still finds words inside it).
 */
export function spacedOcrText(text: string): string {
  return text
    .replace(/(\p{L})(\p{N})/gu, '$1 $2')
    .replace(/(\p{N})(\p{L})/gu, '$1 $2')
    .replace(/(\p{Ll})(\p{Lu})/gu, '$1 $2')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The text a full-text row holds for an OCR line: the line, then its spaced form when that differs. */
export function ocrFtsText(text: string): string {
  const spaced = spacedOcrText(text);
  return spaced === text ? text : `${text} ${spaced}`;
}

/**
 * The ingest's writes to the SQLite index. Each `commit*` is one transaction:
 * it replaces the stage's rows for the video, records the stage as finished
 * (and forgets any later stage, whose rows were built on the old ones), and
 * updates the video's row. A video that is gone (deleted mid-ingest) makes a
 * commit throw ERR_VIDEO_NOT_FOUND and write nothing. `nowMs` is the wall
 * clock: these rows outlive the process.
 */
export class SqliteIngestWriter implements IngestWriter {
  readonly #db: VideoDb;
  readonly #nowMs: () => number;

  constructor(db: VideoDb, nowMs: () => number = Date.now) {
    this.#db = db;
    this.#nowMs = nowMs;
  }

  finishedStages(videoId: string): VideoStage[] {
    const rows = this.#db.prepare('SELECT stage FROM video_stages WHERE video_id = ?').all(videoId) as {
      stage: string;
    }[];
    const done = new Set(rows.map((r) => r.stage));
    return VIDEO_STAGES.filter((s) => done.has(s));
  }

  setProgress(videoId: string, stage: VideoStage, stagePercent: number, percent: number): void {
    this.#db
      .prepare(
        `UPDATE videos SET status = 'ingesting', stage = ?, stage_percent = ?, percent = ?, updated_at_ms = ?
         WHERE id = ? AND status NOT IN ('ready', 'cancelled')`,
      )
      .run(stage, stagePercent, percent, this.#nowMs(), videoId);
  }

  commitProbe(videoId: string, probe: ProbeInfo): void {
    this.#commit(videoId, 'probe', (db) => {
      db.prepare('UPDATE videos SET probe_json = ?, duration_ms = ? WHERE id = ?').run(
        JSON.stringify(probe),
        probe.durationMs,
        videoId,
      );
    });
  }

  commitFrames(videoId: string, frames: readonly FrameRecord[]): void {
    this.#commit(videoId, 'frames', (db) => {
      db.prepare('DELETE FROM frames WHERE video_id = ?').run(videoId);
      const insert = db.prepare(
        'INSERT INTO frames (video_id, t_ms, scene, scene_score, kept, changed_share) VALUES (?, ?, ?, ?, ?, ?)',
      );
      for (const f of frames) {
        insert.run(videoId, Math.round(f.tMs), f.scene ? 1 : 0, f.sceneScore, f.kept ? 1 : 0, f.changedShare);
      }
    });
  }

  commitTranscript(videoId: string, segments: readonly SegmentRecord[]): void {
    this.#commit(videoId, 'audio', (db) => {
      db.prepare('DELETE FROM segments WHERE video_id = ?').run(videoId);
      const insert = db.prepare(
        'INSERT INTO segments (video_id, seq, start_ms, end_ms, text) VALUES (?, ?, ?, ?, ?)',
      );
      for (const [i, s] of segments.entries()) {
        insert.run(videoId, i, Math.round(s.startMs), Math.round(s.endMs), s.text);
      }
    });
  }

  commitFeatures(
    videoId: string,
    frames: readonly Pick<FrameRecord, 'tMs' | 'kept' | 'changedShare'>[],
    files: readonly string[],
  ): void {
    this.#commit(videoId, 'features', (db) => {
      db.prepare('UPDATE frames SET kept = 0, changed_share = NULL WHERE video_id = ?').run(videoId);
      const update = db.prepare(
        'UPDATE frames SET kept = ?, changed_share = ? WHERE video_id = ? AND t_ms = ?',
      );
      for (const f of frames) {
        const r = update.run(f.kept ? 1 : 0, f.changedShare, videoId, Math.round(f.tMs));
        if (r.changes !== 1) {
          throw new SightlineError(
            'ERR_INVALID_STATE',
            `features for a frame at ${f.tMs} ms that frames did not commit`,
          );
        }
      }
      db.prepare('DELETE FROM feature_files WHERE video_id = ?').run(videoId);
      const insert = db.prepare('INSERT INTO feature_files (video_id, name) VALUES (?, ?)');
      for (const name of files) insert.run(videoId, name);
    });
  }

  commitOcr(videoId: string, lines: readonly OcrRecord[]): void {
    this.#commit(videoId, 'ocr', (db) => {
      db.prepare('DELETE FROM ocr_lines WHERE video_id = ?').run(videoId);
      const insert = db.prepare(
        'INSERT INTO ocr_lines (video_id, t_ms, seq, text, confidence) VALUES (?, ?, ?, ?, ?)',
      );
      const seq = new Map<number, number>();
      for (const l of lines) {
        const t = Math.round(l.tMs);
        const n = seq.get(t) ?? 0;
        seq.set(t, n + 1);
        insert.run(videoId, t, n, l.text, l.confidence);
      }
    });
  }

  /**
   * Chapters, then the full-text rows: one per transcript segment (its times)
   * and one per OCR line (from its frame to the next kept frame, or the end;
   * text as {@link ocrFtsText}), then the video is `ready` at 100 %.
   */
  commitIndex(videoId: string, chapters: readonly ChapterRecord[], readyAtMs: number): void {
    this.#commit(videoId, 'index', (db) => {
      db.prepare('DELETE FROM chapters WHERE video_id = ?').run(videoId);
      const chapter = db.prepare(
        'INSERT INTO chapters (video_id, seq, start_ms, end_ms, title) VALUES (?, ?, ?, ?, ?)',
      );
      for (const [i, c] of chapters.entries()) {
        chapter.run(videoId, i, Math.round(c.startMs), Math.round(c.endMs), c.title);
      }
      db.prepare('DELETE FROM text_fts WHERE video_id = ?').run(videoId);
      const fts = db.prepare(
        'INSERT INTO text_fts (text, video_id, source, start_ms, end_ms) VALUES (?, ?, ?, ?, ?)',
      );
      const segments = db
        .prepare('SELECT start_ms, end_ms, text FROM segments WHERE video_id = ? ORDER BY seq')
        .all(videoId) as { start_ms: number; end_ms: number; text: string }[];
      for (const s of segments) fts.run(s.text, videoId, 'transcript', s.start_ms, s.end_ms);
      const video = db.prepare('SELECT duration_ms FROM videos WHERE id = ?').get(videoId) as
        | { duration_ms: number | null }
        | undefined;
      const kept = (
        db.prepare('SELECT t_ms FROM frames WHERE video_id = ? AND kept = 1 ORDER BY t_ms').all(videoId) as {
          t_ms: number;
        }[]
      ).map((r) => r.t_ms);
      const lines = db
        .prepare('SELECT t_ms, text FROM ocr_lines WHERE video_id = ? ORDER BY t_ms, seq')
        .all(videoId) as { t_ms: number; text: string }[];
      for (const l of lines) {
        const next = kept.find((t) => t > l.t_ms) ?? Math.max(l.t_ms, video?.duration_ms ?? l.t_ms);
        fts.run(ocrFtsText(l.text), videoId, 'ocr', l.t_ms, next);
      }
      db.prepare(
        `UPDATE videos SET status = 'ready', stage = 'index', stage_percent = 100, percent = 100,
         ready_at_ms = ?, error_code = NULL, error_message = NULL WHERE id = ?`,
      ).run(readyAtMs, videoId);
    });
  }

  fail(videoId: string, code: string, message: string): void {
    this.#db
      .prepare(
        `UPDATE videos SET status = 'failed', error_code = ?, error_message = ?, updated_at_ms = ? WHERE id = ?`,
      )
      .run(code, message, this.#nowMs(), videoId);
  }

  /**
   * One transaction: the stage's writes, its `video_stages` row, later stages forgotten, the video's row updated.
   * IMMEDIATE, like every transaction here that reads before it writes: a deferred one starts as a
   * read and fails at once with SQLITE_BUSY_SNAPSHOT (busy_timeout does not apply) when another
   * process (a second ingest worker, the web process) committed in between; IMMEDIATE takes the
   * write lock at BEGIN, waiting up to busy_timeout for it.
   */
  #commit(videoId: string, stage: VideoStage, write: (db: VideoDb) => void): void {
    const db = this.#db;
    db.transaction(() => {
      const now = this.#nowMs();
      const row = db.prepare('SELECT status FROM videos WHERE id = ?').get(videoId) as
        | { status: string }
        | undefined;
      if (!row) throw new SightlineError('ERR_VIDEO_NOT_FOUND', `no video ${videoId} to commit ${stage} to`);
      if (row.status === 'cancelled') {
        throw new SightlineError('ERR_ABORTED', `the ingest of ${videoId} was cancelled`);
      }
      db.prepare(
        `UPDATE videos SET status = 'ingesting', stage = ?, stage_percent = 100, updated_at_ms = ? WHERE id = ?`,
      ).run(stage, now, videoId);
      write(db);
      const later = VIDEO_STAGES.slice(VIDEO_STAGES.indexOf(stage) + 1);
      const forget = db.prepare('DELETE FROM video_stages WHERE video_id = ? AND stage = ?');
      for (const s of later) forget.run(videoId, s);
      db.prepare(
        'INSERT OR REPLACE INTO video_stages (video_id, stage, finished_at_ms) VALUES (?, ?, ?)',
      ).run(videoId, stage, now);
    }).immediate();
  }
}
