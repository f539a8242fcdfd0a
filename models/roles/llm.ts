/** Packed RGB24 pixels (a camera frame, a screenshot). `VideoFrame` fits. */
export interface LlmImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/**
 * A frame's visual tokens as an encoder produced them and a compressor kept
 * them: `rows` holds the kept rows (K × `hidden`, in grid order), `positions`
 * the index of each kept row in the frame's full grid of `tokensPerFrame`
 * (ascending). A backend that knows `encoder` uses the rows as they are (and
 * gives each its original position id); any other backend uses the frame's image.
 */
export interface VisualTokens {
  /** The encoder that produced the rows (`Llm.visionEncoder` of the backend that can take them). */
  encoder: string;
  rows: Float32Array;
  hidden: number;
  positions: Uint16Array;
  tokensPerFrame: number;
}

/** One video frame with its time, for a prompt that shows the model a clip. */
export interface LlmVideoFrame extends LlmImage {
  ptsMs: number;
  /** Precomputed (and possibly compressed) visual tokens of this frame. */
  tokens?: VisualTokens;
}

/** One part of a message: text, a still image, or a clip of frames. */
export type LlmContent =
  | { type: 'text'; text: string }
  | { type: 'image'; image: LlmImage }
  | { type: 'video'; frames: LlmVideoFrame[] };

/** A JSON Schema object describing a tool's arguments. */
export interface JsonSchemaObject {
  type: 'object';
  properties?: Record<string, unknown>;
  required?: string[];
  [keyword: string]: unknown;
}

/** A tool the model may call. */
export interface LlmTool {
  /** `^[a-zA-Z0-9_-]{1,64}$` (the OpenAI rule). */
  name: string;
  description: string;
  parameters: JsonSchemaObject;
}

/** A call the model asked for. `arguments` is the JSON text as the model wrote it (not yet validated). */
export interface LlmToolCall {
  id: string;
  name: string;
  arguments: string;
}

export type LlmMessage =
  | { role: 'system' | 'user'; content: LlmContent[] }
  | { role: 'assistant'; content: LlmContent[]; toolCalls?: LlmToolCall[] }
  /** The result of one tool call, as text (JSON for structured results). */
  | { role: 'tool'; toolCallId: string; name: string; content: LlmContent[] };

export interface LlmRequestOptions {
  maxNewTokens?: number;
  /** 0 (the default) is greedy: the same request gives the same tokens. */
  temperature?: number;
  /** Tools the model may call; only for a backend with `nativeTools` (the dialog handles the others). */
  tools?: LlmTool[];
  signal?: AbortSignal;
}

/**
 * A piece of the answer; the concatenation of `text` is the whole answer. A
 * token that carries a complete tool call has `text: ''`.
 */
export interface LlmToken {
  text: string;
  toolCall?: LlmToolCall;
}

/** A (vision-)language model: messages with text, images and frames in, a token stream out. */
export interface Llm {
  readonly name: string;
  /**
   * True when the backend takes `tools` and returns tool calls itself (OpenAI
   * chat completions). False: the dialog describes tools in the prompt and
   * parses the model's text strictly.
   */
  readonly nativeTools: boolean;
  /** The vision encoder whose `VisualTokens` this backend takes as they are, or null (it takes images). */
  readonly visionEncoder: string | null;
  /**
   * Streams the answer. Yields at most `maxNewTokens` tokens; on abort the
   * stream rejects with ERR_ABORTED and yields nothing more.
   */
  generate(messages: LlmMessage[], options?: LlmRequestOptions): AsyncIterable<LlmToken>;
  dispose(): Promise<void>;
}

/**
 * A vision encoder the watch lane runs on kept frames while the person talks,
 * so that the LLM is given ready visual tokens. For SmolVLM2: one 512² image →
 * 64 rows of the LLM's width.
 */
export interface VisionEncoder {
  readonly name: string;
  readonly tokensPerFrame: number;
  readonly hidden: number;
  /** Rows of one frame (`tokensPerFrame` × `hidden`, row-major grid order). */
  encodeFrame(frame: LlmImage, options?: { signal?: AbortSignal }): Promise<Float32Array>;
}
