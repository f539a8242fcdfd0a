import type { VideoFrame } from '../../core/media.js';
import type { LlmVideoFrame } from '../../models/roles/llm.js';

/** Text read in one kept frame. */
export interface OcrReading {
  ptsMs: number;
  text: string;
}

/** Running totals of the watch lane. */
export interface WatchStats {
  framesIn: number;
  /** Frames the change gate passed (new content or heartbeat). */
  framesKept: number;
  /** Frames dropped because a newer one was waiting (the encode queue never backs up). */
  framesSuperseded: number;
  framesEncoded: number;
  /** Visual tokens in the current context, and merged away so far. */
  tokensKept: number;
  tokensMerged: number;
  /** Tokens kept so far (cumulative; `tokensKept` is what the context holds now). */
  tokensSent: number;
  /** Kept tokens the budget dropped later to make room (the oldest first). */
  tokensDropped: number;
  /** Frames the context holds now (each with at least one token, or an image without an encoder). */
  framesInContext: number;
  /** Scenes started so far (frames kept whole). */
  scenes: number;
  /** Encodes that failed (logged; the lane goes on). */
  encodeFailures: number;
}

/** What the watch lane offers the dialog when a prompt is built. */
export interface VisualContext {
  /**
   * The compressed recent past for the next prompt, oldest first, within the token
   * budget: each kept frame with its true `ptsMs`, its image (for backends that take
   * images) and its kept tokens (for the backend whose encoder made them).
   */
  frames(): LlmVideoFrame[];
  /** Text read in recent kept frames, oldest first, deduplicated. */
  ocr(): OcrReading[];
  /** The newest camera frame at full resolution (for `look_closer`), or null. */
  latestFrame(): VideoFrame | null;
  stats(): WatchStats;
}
