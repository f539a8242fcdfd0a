import type { PcmChunk } from '../../core/media.js';

export interface SynthesizeOptions {
  /** A voice id the implementation knows (Kokoro voice file, espeak voice, Piper speaker). */
  voice?: string;
  /** 1 is normal; 1.2 is 20 % faster. */
  speed?: number;
  signal?: AbortSignal;
}

/**
 * Text to speech for one text (a sentence: the speak stage splits the stream).
 * Yields the audio in order at the model's native rate, `ptsMs` from the start
 * of this text (0, then contiguous). Text with nothing to say yields nothing;
 * on abort the stream rejects with ERR_ABORTED and yields nothing more.
 */
export interface Tts {
  readonly name: string;
  readonly sampleRateHz: number;
  synthesize(text: string, options?: SynthesizeOptions): AsyncIterable<PcmChunk>;
  dispose(): Promise<void>;
}
