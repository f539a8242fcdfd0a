/** Packed RGB24 pixels (a camera frame, a screenshot). `VideoFrame` fits. */
export interface LlmImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** One video frame with its time, for a prompt that shows the model a clip. */
export interface LlmVideoFrame extends LlmImage {
  ptsMs: number;
}

/** One part of a message: text, a still image, or a clip of frames. */
export type LlmContent =
  | { type: 'text'; text: string }
  | { type: 'image'; image: LlmImage }
  | { type: 'video'; frames: LlmVideoFrame[] };

export interface LlmMessage {
  role: 'system' | 'user' | 'assistant';
  content: LlmContent[];
}

export interface LlmRequestOptions {
  maxNewTokens?: number;
  /** 0 (the default) is greedy: the same request gives the same tokens. */
  temperature?: number;
  signal?: AbortSignal;
}

/** A piece of the answer; the concatenation of `text` is the whole answer. */
export interface LlmToken {
  text: string;
}

/** A (vision-)language model: messages with text, images and frames in, a token stream out. */
export interface Llm {
  readonly name: string;
  /**
   * Streams the answer. Yields at most `maxNewTokens` tokens; on abort the
   * stream rejects with ERR_ABORTED and yields nothing more.
   */
  generate(messages: LlmMessage[], options?: LlmRequestOptions): AsyncIterable<LlmToken>;
  dispose(): Promise<void>;
}
