/**
 * The signaling protocol's message types, with no runtime dependency: the browser
 * SDK and its shipped declarations import this file (the server's zod schemas
 * live in protocol/messages.ts, which re-exports everything here).
 */
import type { WireError } from './errors.js';
import type { ImageMimeType } from './limits.js';
import type { IngestProgress, VideoAnswerEvent, VideoInfo } from './video.js';

export {
  BUILT_IN_TOOL_NAMES,
  IMAGE_MIME_TYPES,
  MAX_CLIENT_TOOLS,
  MAX_IMAGE_BYTES,
  MAX_TEXT_CHARS,
} from './limits.js';
export { MAX_IMAGE_MESSAGE_BYTES, MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from './version.js';

/**
 * Request payloads, one per method, as the server accepts them (protocol/messages.ts
 * holds the zod schemas that check them and a compile-time proof that the two agree).
 */
export interface RequestDataMap {
  join: { token: string };
  createTransport: { direction: 'send' | 'recv' };
  connectTransport: { transportId: string; dtlsParameters: Record<string, unknown> };
  /** `screen`: a shared screen is the video the assistant sees (it replaces the camera's). */
  produce: {
    transportId: string;
    kind: 'audio' | 'video';
    source: 'mic' | 'camera' | 'screen';
    rtpParameters: Record<string, unknown>;
  };
  closeProducer: { producerId: string };
  consumeAssistant: { transportId: string; rtpCapabilities: Record<string, unknown> };
  resumeConsumer: { consumerId: string };
  leave: Record<string, never>;
  ping: Record<string, never>;
  /**
   * Back into a call after the WebSocket dropped, within `resumeWindowMs` of the drop: the same
   * call, transports, producers, assistant and conversation (instead of `join`). `token` may be a
   * fresh one (the old may have expired); it must name the same owner.
   */
  resume: { token: string; callId: string; resumeToken: string };
  /** New ICE parameters for a transport whose connection failed (the client then calls `transport.restartIce`). */
  restartIce: { transportId: string };
  /** Mute: the server stops taking this producer's media (and says so in its metrics); `resumeProducer` undoes it. */
  pauseProducer: { producerId: string };
  resumeProducer: { producerId: string };
  /** Stop the assistant now (a button, not speech): its reply is cut where it was heard. */
  interrupt: Record<string, never>;
  /**
   * Push-to-talk: `pressed: true` starts the person's turn (and stops the assistant if it speaks);
   * `false` ends the turn at once, without waiting for silence.
   */
  pushToTalk: { pressed: boolean };
  /** A typed message to the assistant (1 to MAX_TEXT_CHARS characters): joins the dialog like spoken words. */
  sendText: { text: string };
  /** A still image (photo, screenshot, chart) for the assistant to look at, at full resolution. */
  sendImage: {
    mimeType: ImageMimeType;
    dataBase64: string;
    /** An optional question about the image; without one the assistant describes it. */
    text?: string | undefined;
  };
  /** Tools the app runs itself; the assistant may call them (`tool_call` event → `toolResult`). Replaces earlier ones. */
  registerTools: { tools: ToolDeclaration[] };
  /** The outcome of one `tool_call`. */
  toolResult: {
    callId: string;
    ok: boolean;
    /** The result (any JSON) when ok. */
    result?: unknown;
    /** Why it failed, when not ok (shown to the model, not to the user). */
    error?: string | undefined;
  };
  /**
   * Ask about one of the person's uploaded videos (a `ready` one) from the next turn on:
   * every question, spoken or typed, is about it (`video_answer` follows each answer). null: the camera again.
   */
  selectVideo: { videoId: string | null };
}

/** A tool as the app declares it: the model sees its name, description and JSON Schema. */
export interface ToolDeclaration {
  /** 1 to 64 of `a-z A-Z 0-9 _ -`. */
  name: string;
  description: string;
  /** JSON Schema of the arguments: an object schema. */
  parameters: { type: 'object'; [key: string]: unknown };
}

/** A request method name. */
export type Method = keyof RequestDataMap;
/** The payload of a request for method M. */
export type RequestData<M extends Method> = RequestDataMap[M];

/** Response payloads, one per method (server-produced, so typed but not validated). */
export interface ResponseDataMap {
  join: {
    callId: string;
    routerRtpCapabilities: Record<string, unknown>;
    protocolVersion: number;
    /** Presents with `resume` after a dropped WebSocket; secret to this connection. */
    resumeToken: string;
    /** How long the call waits for `resume` after the WebSocket drops before it closes. */
    resumeWindowMs: number;
  };
  resume: { callId: string; resumeToken: string; resumeWindowMs: number };
  restartIce: { iceParameters: Record<string, unknown> };
  pauseProducer: Record<string, never>;
  resumeProducer: Record<string, never>;
  interrupt: { interrupted: boolean };
  pushToTalk: Record<string, never>;
  createTransport: {
    id: string;
    iceParameters: Record<string, unknown>;
    iceCandidates: Record<string, unknown>[];
    dtlsParameters: Record<string, unknown>;
  };
  connectTransport: Record<string, never>;
  produce: { producerId: string };
  closeProducer: Record<string, never>;
  consumeAssistant: {
    consumerId: string;
    producerId: string;
    kind: 'audio';
    rtpParameters: Record<string, unknown>;
  };
  resumeConsumer: Record<string, never>;
  leave: Record<string, never>;
  ping: { serverTimeMs: number };
  sendText: { turnId: string };
  sendImage: { turnId: string; imageId: string; width: number; height: number };
  registerTools: { registered: number };
  toolResult: Record<string, never>;
  selectVideo: { video: VideoInfo | null };
}

/** A validated request from a client. */
export type ClientRequest = {
  [M in Method]: { v: number; kind: 'request'; id: number; method: M; data: RequestData<M> };
}[Method];

/** A response from the server to one request. */
export type ServerResponse =
  | { v: number; kind: 'response'; id: number; ok: true; data: unknown }
  | { v: number; kind: 'response'; id: number | null; ok: false; error: WireError };

/** The call's lifecycle as the client sees it. */
export type CallState = 'joined' | 'media-connected' | 'media-disconnected' | 'closed';

/** What the assistant is doing; pushed on every change. */
export type AssistantState = 'listening' | 'user-speaking' | 'thinking' | 'speaking' | 'interrupted';

/**
 * One assistant turn's figures, all on the call's one clock (ms). A stage that
 * did not run in this turn (a typed message has no STT) reports null.
 */
export interface TurnMetrics {
  type: 'turn';
  turnId: string;
  /** What started the turn. */
  trigger: 'speech' | 'text' | 'image';
  /** End of the person's speech (last VAD speech frame) to the end-of-turn decision. */
  endOfTurnDelayMs: number | null;
  /** End-of-turn decision to the final transcript. */
  sttLatencyMs: number | null;
  /** Request to the LLM's first token. */
  llmTtftMs: number | null;
  /** First sentence to TTS's first audio. */
  ttsTtfbMs: number | null;
  /** End of the person's speech to the first assistant audio packet sent (typed turns: from the message). */
  voiceToVoiceMs: number | null;
  interrupted: boolean;
  tokensIn: number;
  tokensOut: number;
  visualTokensKept: number;
  visualTokensMerged: number;
}

/** Metrics pushed to the client; a discriminated union on `type`. */
export type MetricsEvent =
  | { type: 'audio_tap'; framesOut: number; gapsFilledMs: number; lateDropped: number; reordered: number }
  | { type: 'video_tap'; framesOut: number; restarts: number; fps: number }
  | { type: 'return_audio'; packetsSent: number; latenessP50Ms: number; latenessP99Ms: number }
  | TurnMetrics;

/** Events the server pushes, keyed by name. */
export interface ServerEventMap {
  state: { state: CallState; callId: string; reason?: string };
  /** The assistant's turn state (listening / user-speaking / thinking / speaking / interrupted). */
  assistant_state: { state: AssistantState; turnId: string | null };
  /** The person's words: partials while they speak (may change), then one final per utterance. */
  transcript: { utteranceId: string; text: string; final: boolean; startMs: number; endMs: number };
  /**
   * The assistant's words as they are spoken: `text` is everything heard so far in
   * this turn (cumulative), `playedMs` how much of its audio has been sent. The
   * final event's text is what the history keeps (cut where interrupted).
   */
  reply: { turnId: string; text: string; final: boolean; playedMs: number; interrupted: boolean };
  /** The assistant calls a tool the app registered; answer with `toolResult` before `timeoutMs`. */
  tool_call: { callId: string; name: string; arguments: unknown; timeoutMs: number };
  /** What the server runs on: the models loaded, which are missing, and whether they are random test models. */
  models: ModelsStatus;
  metrics: MetricsEvent;
  /** An answer about the selected video was spoken: the timestamps it cited (of what was heard) and its evidence. */
  video_answer: VideoAnswerEvent;
  /** Ingest progress of the person's own videos (the join token's user). */
  video_progress: IngestProgress;
  error: WireError;
}

/** The model set as a page shows it. */
export interface ModelsStatus {
  /** The assistant answers (every model it needs is loaded). */
  ready: boolean;
  /** Role → what serves it (`whisper-base`, `openai:gpt-4o-mini@http://…`). */
  loaded: Record<string, string>;
  /** Files or models missing, each as a path or id. */
  missing: string[];
  /** The command that fetches what is missing, when something is. */
  fetchCommand: string | null;
  /** Random-weight test models are loaded: answers are noise. */
  tinyTestModels: boolean;
}

/** A server-pushed event. */
export type ServerEvent = {
  [E in keyof ServerEventMap]: { v: number; kind: 'event'; event: E; data: ServerEventMap[E] };
}[keyof ServerEventMap];

/** Any message the server sends. */
export type ServerMessage = ServerResponse | ServerEvent;
