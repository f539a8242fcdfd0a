/**
 * The video index's schema (SQLite through better-sqlite3, WAL mode so a web
 * process and worker processes share one file). `user_version` numbers the
 * migrations; `openVideoDb` (db/open.ts) applies the missing ones in order.
 *
 * Invariants:
 * - A row in `video_stages` means that stage's rows are complete: a stage's
 *   rows and its `video_stages` row are written in one transaction.
 * - A video answers questions only when `status = 'ready'` (set by the `index`
 *   stage's transaction, after every other stage).
 * - `text_fts` (trigram tokenizer: "platform" matches `PLATFORM9CLOSED`) holds
 *   one row per transcript segment and per OCR line, written by `index`.
 * - Deleting a video deletes its rows (ON DELETE CASCADE; FTS rows by video_id)
 *   and then its folder.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE videos (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    size_bytes INTEGER NOT NULL,
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL CHECK (status IN ('uploading','queued','ingesting','ready','failed','cancelled')),
    stage TEXT,
    stage_percent REAL NOT NULL DEFAULT 0,
    percent REAL NOT NULL DEFAULT 0,
    error_code TEXT,
    error_message TEXT,
    probe_json TEXT,
    duration_ms INTEGER,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    ready_at_ms INTEGER
  );
  CREATE INDEX videos_by_owner ON videos(owner, created_at_ms);
  CREATE INDEX videos_by_status ON videos(status);

  CREATE TABLE video_stages (
    video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    finished_at_ms INTEGER NOT NULL,
    PRIMARY KEY (video_id, stage)
  );

  CREATE TABLE frames (
    video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    t_ms INTEGER NOT NULL,
    scene INTEGER NOT NULL,
    scene_score REAL NOT NULL,
    kept INTEGER NOT NULL DEFAULT 0,
    changed_share REAL,
    PRIMARY KEY (video_id, t_ms)
  ) WITHOUT ROWID;

  CREATE TABLE segments (
    video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (video_id, seq)
  ) WITHOUT ROWID;
  CREATE INDEX segments_by_time ON segments(video_id, start_ms);

  CREATE TABLE ocr_lines (
    video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    t_ms INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    confidence REAL NOT NULL,
    PRIMARY KEY (video_id, t_ms, seq)
  ) WITHOUT ROWID;

  CREATE TABLE chapters (
    video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    title TEXT NOT NULL,
    PRIMARY KEY (video_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE feature_files (
    video_id TEXT NOT NULL REFERENCES videos(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    PRIMARY KEY (video_id, name)
  ) WITHOUT ROWID;

  CREATE VIRTUAL TABLE text_fts USING fts5(
    text,
    video_id UNINDEXED,
    source UNINDEXED,
    start_ms UNINDEXED,
    end_ms UNINDEXED,
    tokenize = 'trigram'
  );
  `,
];
