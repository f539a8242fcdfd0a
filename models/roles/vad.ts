import type { PcmChunk } from '../../core/media.js';

/** One scored window of audio. */
export interface SpeechProbability {
  /** Presentation time of the window's first sample (from the chunks' `ptsMs`). */
  ptsMs: number;
  durationMs: number;
  /** Speech probability, 0–1. */
  probability: number;
}

/** One audio stream's VAD state: feed chunks in order, get one verdict per completed window. */
export interface VadStream {
  /**
   * Scores the windows this chunk completes. A window's `ptsMs` is taken from the
   * chunk its last sample came in, so a timeline that re-anchors stays true.
   * A chunk at another rate than the VAD's is refused with ERR_MODEL_INPUT.
   */
  process(chunk: PcmChunk, signal?: AbortSignal): Promise<SpeechProbability[]>;
  /** Forgets everything heard (a new utterance or call). */
  reset(): void;
  dispose(): void;
}

/** Voice activity detection: one shared model, one stream state per audio stream. */
export interface Vad {
  readonly name: string;
  readonly sampleRateHz: number;
  /** Length of one scored window. */
  readonly windowMs: number;
  createStream(): VadStream;
  dispose(): Promise<void>;
}
