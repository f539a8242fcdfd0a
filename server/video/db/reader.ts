import type Database from 'better-sqlite3';
import type {
  ChapterRecord,
  FrameRecord,
  OcrRecord,
  ProbeInfo,
  SegmentRecord,
  TextHit,
  TimeRange,
  VideoIndexReader,
  VideoMeta,
} from '../../../pipelines/video/types.js';
import type { VideoStage, VideoStatus } from '../../../protocol/video.js';
import type { VideoDb } from './open.js';

interface VideoRow {
  id: string;
  owner: string;
  name: string;
  status: VideoStatus;
  stage: VideoStage | null;
  percent: number;
  size_bytes: number;
  probe_json: string | null;
  created_at_ms: number;
  ready_at_ms: number | null;
}

interface FrameRow {
  t_ms: number;
  scene: number;
  scene_score: number;
  kept: number;
  changed_share: number | null;
}

interface HitRow {
  source: 'transcript' | 'ocr';
  start_ms: number;
  end_ms: number;
  text: string;
  rank: number;
}

/** The largest time a range may leave open (SQLite integers are 64-bit; ms of a video never come near). */
const END_OF_TIME = Number.MAX_SAFE_INTEGER;

/** Words a search drops: they match nearly every line and say nothing about a moment. */
const SEARCH_STOP_WORDS = new Set(
  (
    'the and for are was were but not you your with this that these those there here what which who how ' +
    'why when where does did doing done has have had its from into onto about after before then than ' +
    'they them their our out off over under again can could would should will shall may might must ' +
    'happen happens happened show shows shown video clip time point moment'
  )
    .split(' ')
    .filter((w) => w !== ''),
);

/**
 * The FTS5 MATCH expression of a free-text query: its words of three or more
 * characters (the trigram tokenizer matches nothing shorter), stop words out,
 * each a quoted string (a trigram string matches inside words, so "platform"
 * finds `PLATFORM9CLOSED`), OR-ed so any word ranks a line. Null when no word
 * is left.
 */
export function ftsQuery(query: string): string | null {
  const words = new Set<string>();
  for (const w of query.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    if ([...w].length >= 3 && !SEARCH_STOP_WORDS.has(w)) words.add(w);
  }
  if (words.size === 0) return null;
  return [...words].map((w) => `"${w.replace(/"/g, '""')}"`).join(' OR ');
}

/**
 * The video index as questions read it (server/video/db/schema.ts), through
 * prepared statements on one better-sqlite3 handle. Ranges are [startMs,
 * endMs): frames and OCR lines whose time lies in it, segments that overlap it.
 */
export class SqliteVideoIndex implements VideoIndexReader {
  readonly #video: Database.Statement<[string], VideoRow>;
  readonly #frames: Database.Statement<[string, number, number], FrameRow>;
  readonly #segments: Database.Statement<[string, number, number], SegmentRecord>;
  readonly #ocr: Database.Statement<[string, number, number], OcrRecord>;
  readonly #chapters: Database.Statement<[string], ChapterRecord>;
  readonly #search: Database.Statement<[string, string, number], HitRow>;

  constructor(db: VideoDb) {
    this.#video = db.prepare(
      `SELECT id, owner, name, status, stage, percent, size_bytes, probe_json, created_at_ms, ready_at_ms
         FROM videos WHERE id = ?`,
    );
    this.#frames = db.prepare(
      `SELECT t_ms, scene, scene_score, kept, changed_share FROM frames
        WHERE video_id = ? AND t_ms >= ? AND t_ms < ? ORDER BY t_ms`,
    );
    this.#segments = db.prepare(
      `SELECT start_ms AS startMs, end_ms AS endMs, text FROM segments
        WHERE video_id = ? AND end_ms > ? AND start_ms < ? ORDER BY start_ms, seq`,
    );
    this.#ocr = db.prepare(
      `SELECT t_ms AS tMs, text, confidence FROM ocr_lines
        WHERE video_id = ? AND t_ms >= ? AND t_ms < ? ORDER BY t_ms, seq`,
    );
    this.#chapters = db.prepare(
      'SELECT start_ms AS startMs, end_ms AS endMs, title FROM chapters WHERE video_id = ? ORDER BY seq',
    );
    this.#search = db.prepare(
      `SELECT source, start_ms, end_ms, text, bm25(text_fts) AS rank FROM text_fts
        WHERE text_fts MATCH ? AND video_id = ? ORDER BY rank LIMIT ?`,
    );
  }

  video(videoId: string): VideoMeta | null {
    const row = this.#video.get(videoId);
    if (!row) return null;
    return {
      id: row.id,
      owner: row.owner,
      name: row.name,
      status: row.status,
      stage: row.stage,
      percent: row.percent,
      sizeBytes: row.size_bytes,
      probe: row.probe_json === null ? null : (JSON.parse(row.probe_json) as ProbeInfo),
      createdAtMs: row.created_at_ms,
      readyAtMs: row.ready_at_ms,
    };
  }

  frames(videoId: string, range?: TimeRange): FrameRecord[] {
    return this.#frames.all(videoId, range?.startMs ?? 0, range?.endMs ?? END_OF_TIME).map((r) => ({
      tMs: r.t_ms,
      scene: r.scene !== 0,
      sceneScore: r.scene_score,
      kept: r.kept !== 0,
      changedShare: r.changed_share,
    }));
  }

  segments(videoId: string, range?: TimeRange): SegmentRecord[] {
    return this.#segments.all(videoId, range?.startMs ?? -1, range?.endMs ?? END_OF_TIME);
  }

  ocr(videoId: string, range?: TimeRange): OcrRecord[] {
    return this.#ocr.all(videoId, range?.startMs ?? 0, range?.endMs ?? END_OF_TIME);
  }

  chapters(videoId: string): ChapterRecord[] {
    return this.#chapters.all(videoId);
  }

  search(videoId: string, query: string, limit: number): TextHit[] {
    const match = ftsQuery(query);
    if (match === null || limit <= 0) return [];
    return this.#search.all(match, videoId, Math.floor(limit)).map((r) => ({
      source: r.source,
      startMs: r.start_ms,
      endMs: r.end_ms,
      text: r.text,
      score: -r.rank,
    }));
  }
}
