import type { PcmChunk } from '../../core/media.js';

/** A stretch of transcript on the call's timeline. */
export interface SttSegment {
  startMs: number;
  endMs: number;
  text: string;
}

/** What was said in one utterance. */
export interface SttResult {
  text: string;
  /** In order, within the utterance's span (`ptsMs` to `ptsMs` + its duration). */
  segments: SttSegment[];
}

export interface TranscribeRequestOptions {
  /** An ISO 639-1 code the model knows; the model's default when absent. */
  language?: string;
  signal?: AbortSignal;
}

/**
 * Speech to text over one utterance (what the VAD/turn detector cut). Times in
 * the result are absolute: the utterance's `ptsMs` plus the offset in it.
 */
export interface Stt {
  readonly name: string;
  readonly sampleRateHz: number;
  /** A chunk at another rate is refused with ERR_MODEL_INPUT; empty audio gives an empty result. */
  transcribe(utterance: PcmChunk, options?: TranscribeRequestOptions): Promise<SttResult>;
  dispose(): Promise<void>;
}
