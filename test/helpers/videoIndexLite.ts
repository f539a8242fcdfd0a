import type {
  ChapterRecord,
  FrameRecord,
  OcrRecord,
  SegmentRecord,
  TextHit,
  TimeRange,
  VideoIndexReader,
  VideoMeta,
} from '../../pipelines/video/types.js';
import type { VideoStage, VideoStatus } from '../../protocol/video.js';
import type { VideoDb } from '../../server/video/db/open.js';
import { committedFrames } from '../../server/video/db/writer.js';

/**
 * The few reads the ingest runner needs from the index (the video's row and
 * its committed rows), straight from the tables, for ingest tests. The real
 * reader, with full-text search, is server/video/db/reader.ts.
 */
export class LiteIndexReader implements VideoIndexReader {
  readonly #db: VideoDb;

  constructor(db: VideoDb) {
    this.#db = db;
  }

  video(videoId: string): VideoMeta | null {
    const r = this.#db.prepare('SELECT * FROM videos WHERE id = ?').get(videoId) as
      | Record<string, string | number | null>
      | undefined;
    if (!r) return null;
    return {
      id: String(r.id),
      owner: String(r.owner),
      name: String(r.name),
      status: r.status as VideoStatus,
      stage: (r.stage as VideoStage | null) ?? null,
      percent: Number(r.percent),
      sizeBytes: Number(r.size_bytes),
      probe: r.probe_json ? JSON.parse(String(r.probe_json)) : null,
      createdAtMs: Number(r.created_at_ms),
      readyAtMs: r.ready_at_ms === null ? null : Number(r.ready_at_ms),
    };
  }

  frames(videoId: string, range?: TimeRange): FrameRecord[] {
    return committedFrames(this.#db, videoId).filter(
      (f) => !range || (f.tMs >= range.startMs && f.tMs < range.endMs),
    );
  }

  segments(videoId: string): SegmentRecord[] {
    return (
      this.#db
        .prepare('SELECT start_ms, end_ms, text FROM segments WHERE video_id = ? ORDER BY seq')
        .all(videoId) as { start_ms: number; end_ms: number; text: string }[]
    ).map((r) => ({ startMs: r.start_ms, endMs: r.end_ms, text: r.text }));
  }

  ocr(videoId: string): OcrRecord[] {
    return (
      this.#db
        .prepare('SELECT t_ms, text, confidence FROM ocr_lines WHERE video_id = ? ORDER BY t_ms, seq')
        .all(videoId) as { t_ms: number; text: string; confidence: number }[]
    ).map((r) => ({ tMs: r.t_ms, text: r.text, confidence: r.confidence }));
  }

  chapters(videoId: string): ChapterRecord[] {
    return (
      this.#db
        .prepare('SELECT start_ms, end_ms, title FROM chapters WHERE video_id = ? ORDER BY seq')
        .all(videoId) as { start_ms: number; end_ms: number; title: string }[]
    ).map((r) => ({ startMs: r.start_ms, endMs: r.end_ms, title: r.title }));
  }

  search(): TextHit[] {
    throw new Error('LiteIndexReader does not search; use server/video/db/reader.ts');
  }
}
