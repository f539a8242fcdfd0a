/**
 * The contracts of uploaded-video Q&A inside the pipelines: what ingest writes,
 * what questions read, and the models both use. The SQLite implementation lives
 * in server/video/db/ (imports point server → pipelines → models); the pipelines
 * only see these interfaces. All times are ms from the start of the video.
 */
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { VisionEncoder } from '../../models/roles/llm.js';
import type { Ocr } from '../../models/roles/ocr.js';
import type { Stt } from '../../models/roles/stt.js';
import type { TextImageModel } from '../../models/roles/textImage.js';
import type { Vad } from '../../models/roles/vad.js';
import type { VideoStage, VideoStatus } from '../../protocol/video.js';

/** What `probe` learned about the file. */
export interface ProbeInfo {
  durationMs: number;
  hasAudio: boolean;
  hasVideo: boolean;
  width: number | null;
  height: number | null;
  /** ffprobe's format name (`mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, …). */
  container: string;
  videoCodec: string | null;
  audioCodec: string | null;
  /** Frames per second of the video stream, when it has one. */
  fps: number | null;
}

/** A video's row as the pipelines see it. */
export interface VideoMeta {
  id: string;
  owner: string;
  name: string;
  status: VideoStatus;
  stage: VideoStage | null;
  percent: number;
  sizeBytes: number;
  /** Null until `probe` committed. */
  probe: ProbeInfo | null;
  createdAtMs: number;
  readyAtMs: number | null;
}

/** One sampled frame: a 1 fps sample or a scene-change frame (or both). */
export interface FrameRecord {
  tMs: number;
  /** A scene-change frame (ffmpeg's scene score over the threshold). */
  scene: boolean;
  /** ffmpeg's scene score (0–1) for scene frames; 0 for plain samples. */
  sceneScore: number;
  /** Kept by the compressor's offline mode as informative (set by `features`; false before). */
  kept: boolean;
  /** Share of the frame's tokens that changed against what was kept before it (null before `features`). */
  changedShare: number | null;
}

export interface SegmentRecord {
  startMs: number;
  endMs: number;
  text: string;
}

export interface OcrRecord {
  tMs: number;
  text: string;
  confidence: number;
}

export interface ChapterRecord {
  startMs: number;
  endMs: number;
  title: string;
}

/** One full-text hit (FTS5 over transcript and OCR text), best first. */
export interface TextHit {
  source: 'transcript' | 'ocr';
  startMs: number;
  endMs: number;
  text: string;
  /** Higher is better (the negated bm25 rank). */
  score: number;
}

/** A time window, [startMs, endMs). */
export interface TimeRange {
  startMs: number;
  endMs: number;
}

/** Where a video's files are on disk. */
export interface VideoFiles {
  /** The video's own folder (everything below is inside it). */
  dir(videoId: string): string;
  /** The uploaded file, as received. */
  source(videoId: string): string;
  /** The frame at `tMs`, a JPEG at most 512 px on its long side. */
  frame(videoId: string, tMs: number): string;
  /** Its thumbnail, a JPEG 160 px wide. */
  thumbnail(videoId: string, tMs: number): string;
  /** A feature file of the `features` stage (`vision.f32`, `image-text.f32`, …). */
  features(videoId: string, name: string): string;
  /** Scratch space for a stage (deleted after it commits). */
  scratch(videoId: string): string;
}

/**
 * What the ingest stages write. Each `commit*` is one transaction that also
 * records the stage as finished, so a killed ingest resumes after the last
 * commit and nothing half-written is ever visible. Re-running a stage first
 * deletes what an earlier, unfinished run of it left (rows are replaced).
 */
export interface IngestWriter {
  /** Stages already committed for this video, in order. */
  finishedStages(videoId: string): VideoStage[];
  /** Marks the stage running and its progress (not a commit: no result rows). */
  setProgress(videoId: string, stage: VideoStage, stagePercent: number, percent: number): void;
  commitProbe(videoId: string, probe: ProbeInfo): void;
  commitFrames(videoId: string, frames: readonly FrameRecord[]): void;
  commitTranscript(videoId: string, segments: readonly SegmentRecord[]): void;
  /** Updates `kept` / `changedShare` of the frames and records the feature files written. */
  commitFeatures(
    videoId: string,
    frames: readonly Pick<FrameRecord, 'tMs' | 'kept' | 'changedShare'>[],
    files: readonly string[],
  ): void;
  commitOcr(videoId: string, lines: readonly OcrRecord[]): void;
  /** Chapters and the full-text rows; the video becomes `ready` in the same transaction. */
  commitIndex(videoId: string, chapters: readonly ChapterRecord[], readyAtMs: number): void;
  /** The ingest failed for good (bad input, or a model error after retries). */
  fail(videoId: string, code: string, message: string): void;
}

/** What questions read. Only `ready` videos are read (the caller checks `status`). */
export interface VideoIndexReader {
  video(videoId: string): VideoMeta | null;
  frames(videoId: string, range?: TimeRange): FrameRecord[];
  segments(videoId: string, range?: TimeRange): SegmentRecord[];
  ocr(videoId: string, range?: TimeRange): OcrRecord[];
  chapters(videoId: string): ChapterRecord[];
  /**
   * Full text search over the video's transcript and OCR lines. On-screen text
   * read by PP-OCR often lacks spaces (`PLATFORM9CLOSED`): the index must find
   * "platform" in it (trigram tokenizer, or words split before indexing).
   */
  search(videoId: string, query: string, limit: number): TextHit[];
}

/** The text–image model role (SigLIP or CLIP), defined beside the other roles in models/roles/. */
export type { TextImageModel };

/** Progress of one ingest, as the runner reports it. */
export interface IngestProgressReport {
  videoId: string;
  stage: VideoStage;
  stagePercent: number;
  percent: number;
}

/** The models ingest uses (shared with the live assistant's loaded set). */
export interface IngestModels {
  vad: Vad;
  stt: Stt;
  /** The vision encoder the compressor's offline mode reads; null: keep scene frames and a sparse spread. */
  vision: VisionEncoder | null;
  /** null: no `ocr` rows (the stage still commits, empty). */
  ocr: Ocr | null;
  /** null: no text–image embeddings. */
  textImage: TextImageModel | null;
}

/** Limits ingest enforces (also checked at upload where they can be). */
export interface IngestLimits {
  maxDurationMs: number;
}

/** What one ingest run needs. */
export interface IngestDeps {
  writer: IngestWriter;
  /** Reads back committed rows when resuming (frames for `features`, kept frames for `ocr`). */
  reader: VideoIndexReader;
  files: VideoFiles;
  models: IngestModels;
  limits: IngestLimits;
  clock: Clock;
  log: Logger;
}

/**
 * Runs (or resumes) one video's ingest: each stage not yet committed, in
 * order, reporting progress; the last commit makes it `ready`. Bad input
 * (unreadable, empty, too long) is recorded with `writer.fail` and thrown as a
 * non-retryable SightlineError; an abort (cancel, shutdown) throws ERR_ABORTED
 * and leaves the committed stages for the next run.
 */
export type RunIngest = (
  videoId: string,
  deps: IngestDeps,
  options: { signal: AbortSignal; onProgress: (p: IngestProgressReport) => void },
) => Promise<void>;
