/** One synthesized sentence. */
export interface TtsChunk {
  /** The sentence this audio speaks. */
  text: string;
  /** Mono 16-bit PCM. */
  pcm: Int16Array;
  sampleRateHz: number;
}

export interface SynthesizeOptions {
  /** A voice id the implementation knows (Kokoro voice file, espeak voice, Piper speaker). */
  voice?: string;
  /** 1 is normal; 1.2 is 20 % faster. */
  speed?: number;
  signal?: AbortSignal;
}

/**
 * Text to speech that streams per sentence: give it text (or the LLM's tokens as
 * they arrive) and it yields each sentence's audio as soon as that sentence is
 * complete, so the first words play while the rest is still being written.
 */
export interface Tts {
  readonly name: string;
  readonly sampleRateHz: number;
  synthesize(text: string | AsyncIterable<string>, options?: SynthesizeOptions): AsyncIterable<TtsChunk>;
  dispose(): Promise<void>;
}
