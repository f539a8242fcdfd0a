/**
 * Uploaded-video Q&A on the wire: what the HTTP API, the SSE stream, the
 * signaling events and the SDK share. No zod here, so the browser bundle can
 * import it. All times are milliseconds from the start of the video.
 */
import type { WireError } from './errors.js';

/** Where a video is in its life. Only `ready` videos answer questions. */
export type VideoStatus = 'uploading' | 'queued' | 'ingesting' | 'ready' | 'failed' | 'cancelled';

/**
 * The ingest stages, in order. Each commits its results in one transaction; a
 * killed ingest resumes at the first stage not committed.
 * - `probe`: ffprobe + a full demux pass (truncation), limits, stream facts;
 * - `frames`: 1 fps frames plus scene-change frames, JPEGs and thumbnails;
 * - `audio`: 16 kHz mono → VAD → speech-to-text segments with times;
 * - `features`: the vision encoder on the frames → the compressor's offline
 *   mode (which frames are informative) → feature files (and text–image
 *   embeddings where such a model is configured);
 * - `ocr`: text on the kept frames;
 * - `index`: chapters, full-text rows, and the video becomes `ready`.
 */
export const VIDEO_STAGES = ['probe', 'frames', 'audio', 'features', 'ocr', 'index'] as const;
export type VideoStage = (typeof VIDEO_STAGES)[number];

/** One video as the API lists it. */
export interface VideoInfo {
  id: string;
  /** The uploader's file name (metadata `filename`), for display only. */
  name: string;
  status: VideoStatus;
  /** The stage running (or the last one reached when failed); null before ingest starts. */
  stage: VideoStage | null;
  /** Overall ingest progress, 0–100 (100 only when ready). */
  percent: number;
  /** Bytes stored (the upload; frames and features are counted in `storedBytes`). */
  sizeBytes: number;
  /** Everything this video holds on disk (source, frames, thumbnails, features). */
  storedBytes: number;
  /** Known after `probe`; null before. */
  durationMs: number | null;
  width: number | null;
  height: number | null;
  hasAudio: boolean | null;
  hasVideo: boolean | null;
  createdAtMs: number;
  /** When it became answerable; null until then. */
  readyAtMs: number | null;
  /** Why it failed (a catalogue code), when `failed`. */
  error: WireError | null;
  /** A thumbnail URL (with the caller's token where needed), null until frames exist. */
  thumbnailUrl: string | null;
}

/** Ingest progress, pushed over SSE (`GET /api/videos/:id/events`) and the WebSocket (`video_progress`). */
export interface IngestProgress {
  videoId: string;
  status: VideoStatus;
  stage: VideoStage | null;
  /** Progress within the stage, 0–100. */
  stagePercent: number;
  /** Overall, 0–100. */
  percent: number;
  error: WireError | null;
}

/** A frame given to the model, with a URL to look at it. */
export interface EvidenceFrame {
  tMs: number;
  url: string;
  /** Why it was picked: dense around the asked time, the sparse spread of the whole video, a search hit. */
  role: 'dense' | 'sparse' | 'match';
}

export interface EvidenceSegment {
  startMs: number;
  endMs: number;
  text: string;
}

export interface EvidenceOcr {
  tMs: number;
  text: string;
}

/** Everything the model was given to answer: a person (and a test) can check what it saw. */
export interface Evidence {
  frames: EvidenceFrame[];
  transcript: EvidenceSegment[];
  ocr: EvidenceOcr[];
}

/** What kind of question the parser saw. */
export type QuestionKind = 'time' | 'range' | 'when' | 'summary' | 'general';

/** A moment the search ranked for a "when does …" question. */
export interface Moment {
  startMs: number;
  endMs: number;
  score: number;
  /** What matched: spoken words, on-screen text, or the text–image model. */
  source: 'transcript' | 'ocr' | 'image';
  text: string;
}

export interface Chapter {
  startMs: number;
  endMs: number;
  title: string;
}

/** A timestamp the answer cites, `label` as `mm:ss` (protocol/time.ts `formatMmSs`). */
export interface Citation {
  tMs: number;
  label: string;
}

/** `POST /api/videos/:id/ask` body. `t` and `range` override what the question says. */
export interface AskRequest {
  question: string;
  /** A time: seconds (number) or a timestamp string (`"1:05"`, `"90s"`). */
  t?: number | string;
  /** A window: `[start, end]` as seconds or timestamp strings, or `{ startMs, endMs }`. */
  range?: [number | string, number | string] | { startMs: number; endMs: number };
}

/** `POST /api/videos/:id/ask` answer. */
export interface AskResponse {
  videoId: string;
  question: string;
  kind: QuestionKind;
  /** The window the question is about (time and range questions), else null. */
  window: { startMs: number; endMs: number } | null;
  answer: string;
  /** Timestamps the answer cites (parsed from its text, checked against the video's length). */
  citations: Citation[];
  evidence: Evidence;
  /** Ranked moments (`when` questions), best first; empty otherwise. */
  moments: Moment[];
  /** The video's chapters (`summary` questions); empty otherwise. */
  chapters: Chapter[];
  /** Where the time went, ms: parse + retrieval (no model), and the LLM. */
  timings: { retrievalMs: number; llmMs: number };
}

/** The signaling event sent when an answer about a video is spoken in a call. */
export interface VideoAnswerEvent {
  turnId: string;
  videoId: string;
  kind: QuestionKind;
  citations: Citation[];
  evidence: Evidence;
  moments: Moment[];
}

/** Upload limits the server announces (`GET /api/videos/limits`) and enforces. */
export interface VideoLimits {
  maxUploadBytes: number;
  maxDurationMs: number;
  quotaBytes: number;
  usedBytes: number;
}
