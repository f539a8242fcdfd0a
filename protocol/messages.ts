import { z } from 'zod';
import type { ErrorCode } from './errors.js';
import {
  type ClientRequest,
  IMAGE_MIME_TYPES,
  MAX_CLIENT_TOOLS,
  MAX_IMAGE_BYTES,
  MAX_IMAGE_MESSAGE_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_TEXT_CHARS,
  type Method,
  PROTOCOL_VERSION,
  type RequestDataMap,
} from './wire.js';

/*
 * The server's side of the signaling protocol: zod schemas for what clients send
 * and the parser that applies them. The types are in protocol/wire.ts (no zod,
 * so the browser SDK and its declarations can use them) and re-exported here.
 */
export * from './wire.js';

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

/**
 * Compile-time proof that the schemas accept exactly the hand-written request types
 * the SDK is typed against (protocol/wire.ts): a field added to one and not the
 * other fails `tsc` here.
 */
type SchemaData = { [M in keyof typeof requestSchemas]: z.infer<(typeof requestSchemas)[M]> };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type EveryMethodMatches = { [M in Method]: Same<SchemaData[M], RequestDataMap[M]> }[Method];
const schemasMatchWireTypes: Same<EveryMethodMatches, true> & Same<keyof SchemaData, Method> = true;
void schemasMatchWireTypes;

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
