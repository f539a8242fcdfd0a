import { z } from 'zod';
import type { ErrorCode, WireError } from './errors.js';

import {
  BUILT_IN_TOOL_NAMES,
  IMAGE_MIME_TYPES,
  MAX_CLIENT_TOOLS,
  MAX_IMAGE_BYTES,
  MAX_TEXT_CHARS,
} from './limits.js';
import { MAX_IMAGE_MESSAGE_BYTES, MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from './version.js';
import type { IngestProgress, VideoAnswerEvent, VideoInfo } from './video.js';

export {
  BUILT_IN_TOOL_NAMES,
  IMAGE_MIME_TYPES,
  MAX_CLIENT_TOOLS,
  MAX_IMAGE_BYTES,
  MAX_IMAGE_MESSAGE_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_TEXT_CHARS,
  PROTOCOL_VERSION,
};

const id = z.string().min(1).max(128);

const toolSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  description: z.string().min(1).max(1024),
  /** JSON Schema of the arguments: an object schema. */
  parameters: z.looseObject({ type: z.literal('object') }),
});
/** mediasoup's own objects are validated structurally here and in depth by mediasoup itself. */
const mediasoupObject = z.record(z.string(), z.unknown());

/** Request payload schemas, one per method. */
export const requestSchemas = {
  join: z.strictObject({ token: z.string().min(1).max(4096) }),
  createTransport: z.strictObject({ direction: z.enum(['send', 'recv']) }),
  connectTransport: z.strictObject({ transportId: id, dtlsParameters: mediasoupObject }),
  produce: z.strictObject({
    transportId: id,
    kind: z.enum(['audio', 'video']),
    /** `screen`: a shared screen is the video the assistant sees (it replaces the camera's). */
    source: z.enum(['mic', 'camera', 'screen']),
    rtpParameters: mediasoupObject,
  }),
  closeProducer: z.strictObject({ producerId: id }),
  consumeAssistant: z.strictObject({ transportId: id, rtpCapabilities: mediasoupObject }),
  resumeConsumer: z.strictObject({ consumerId: id }),
  leave: z.strictObject({}),
  ping: z.strictObject({}),
  /**
   * Back into a call after the WebSocket dropped, within `resumeWindowMs` of the drop: the same
   * call, transports, producers, assistant and conversation (instead of `join`). `token` may be a
   * fresh one (the old may have expired); it must name the same owner.
   */
  resume: z.strictObject({
    token: z.string().min(1).max(4096),
    callId: id,
    resumeToken: z.string().min(16).max(256),
  }),
  /** New ICE parameters for a transport whose connection failed (the client then calls `transport.restartIce`). */
  restartIce: z.strictObject({ transportId: id }),
  /** Mute: the server stops taking this producer's media (and says so in its metrics); `resumeProducer` undoes it. */
  pauseProducer: z.strictObject({ producerId: id }),
  resumeProducer: z.strictObject({ producerId: id }),
  /** Stop the assistant now (a button, not speech): its reply is cut where it was heard. */
  interrupt: z.strictObject({}),
  /**
   * Push-to-talk: `pressed: true` starts the person's turn (and stops the assistant if it speaks);
   * `false` ends the turn at once, without waiting for silence.
   */
  pushToTalk: z.strictObject({ pressed: z.boolean() }),
  /** A typed message to the assistant: joins the dialog like spoken words. */
  sendText: z.strictObject({ text: z.string().trim().min(1).max(MAX_TEXT_CHARS) }),
  /** A still image (photo, screenshot, chart) for the assistant to look at, at full resolution. */
  sendImage: z.strictObject({
    mimeType: z.enum(IMAGE_MIME_TYPES),
    dataBase64: z
      .string()
      .min(1)
      .max(Math.ceil(MAX_IMAGE_BYTES / 3) * 4),
    /** An optional question about the image; without one the assistant describes it. */
    text: z.string().max(MAX_TEXT_CHARS).optional(),
  }),
  /** Tools the app runs itself; the assistant may call them (`tool_call` event → `toolResult`). Replaces earlier ones. */
  registerTools: z.strictObject({ tools: z.array(toolSchema).max(MAX_CLIENT_TOOLS) }),
  /** The outcome of one `tool_call`. */
  toolResult: z.strictObject({
    callId: id,
    ok: z.boolean(),
    /** The result (any JSON) when ok. */
    result: z.unknown().optional(),
    /** Why it failed, when not ok (shown to the model, not to the user). */
    error: z.string().max(2000).optional(),
  }),
  /**
   * Ask about one of the person's uploaded videos (a `ready` one) from the next turn on:
   * every question, spoken or typed, is about it (`video_answer` follows each answer). null: the camera again.
   */
  selectVideo: z.strictObject({ videoId: id.nullable() }),
} as const;

/** A request method name. */
export type Method = keyof typeof requestSchemas;
/** The payload of a request for method M. */
export type RequestData<M extends Method> = z.infer<(typeof requestSchemas)[M]>;

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

/** The outcome of parsing one client message. */
export type ParseResult =
  | { ok: true; request: ClientRequest }
  | { ok: false; id: number | null; code: ErrorCode; detail: string };

/** A cheap look at a large message's head: does it claim to be a `sendImage` request? */
function isImageMessage(raw: string | Buffer): boolean {
  const head = (typeof raw === 'string' ? raw.slice(0, 256) : raw.subarray(0, 256).toString('utf8')).replace(
    /\s/g,
    '',
  );
  return head.includes('"method":"sendImage"');
}

function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.hasOwn(requestSchemas, name);
}

/**
 * Parses and validates one raw client message. Never throws: every failure maps
 * to a catalogue code and a detail that names the offending field, never its content.
 */
export function parseClientMessage(raw: string | Buffer): ParseResult {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (bytes > MAX_IMAGE_MESSAGE_BYTES) {
    return {
      ok: false,
      id: null,
      code: 'ERR_MESSAGE_TOO_LARGE',
      detail: `${bytes} > ${MAX_IMAGE_MESSAGE_BYTES} bytes`,
    };
  }
  // Only an image may be larger than MAX_MESSAGE_BYTES; anything else that big is refused unread.
  if (bytes > MAX_MESSAGE_BYTES && !isImageMessage(raw)) {
    return {
      ok: false,
      id: null,
      code: 'ERR_MESSAGE_TOO_LARGE',
      detail: `${bytes} > ${MAX_MESSAGE_BYTES} bytes`,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    return { ok: false, id: null, code: 'ERR_BAD_JSON', detail: 'unparseable JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, id: null, code: 'ERR_INVALID_MESSAGE', detail: 'message must be a JSON object' };
  }
  const { v, kind, id: rawId, method, data } = json as Record<string, unknown>;
  const reqId = typeof rawId === 'number' && Number.isSafeInteger(rawId) && rawId >= 0 ? rawId : null;
  if (v !== PROTOCOL_VERSION) {
    return {
      ok: false,
      id: reqId,
      code: 'ERR_UNSUPPORTED_VERSION',
      detail: `expected v=${PROTOCOL_VERSION}`,
    };
  }
  if (kind !== 'request') {
    return { ok: false, id: reqId, code: 'ERR_UNKNOWN_TYPE', detail: 'kind must be "request"' };
  }
  if (reqId === null) {
    return { ok: false, id: null, code: 'ERR_INVALID_MESSAGE', detail: 'id must be a non-negative integer' };
  }
  if (!isMethod(method)) {
    return { ok: false, id: reqId, code: 'ERR_UNKNOWN_TYPE', detail: 'unknown method' };
  }
  if (bytes > MAX_MESSAGE_BYTES && method !== 'sendImage') {
    return {
      ok: false,
      id: reqId,
      code: 'ERR_MESSAGE_TOO_LARGE',
      detail: `${bytes} > ${MAX_MESSAGE_BYTES} bytes`,
    };
  }
  const parsed = requestSchemas[method].safeParse(data ?? {});
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.code}`).join('; ');
    return { ok: false, id: reqId, code: 'ERR_INVALID_MESSAGE', detail: where };
  }
  return { ok: true, request: { v, kind, id: reqId, method, data: parsed.data } as ClientRequest };
}
