import { z } from 'zod';
import type { ErrorCode, WireError } from './errors.js';

import { MAX_MESSAGE_BYTES, PROTOCOL_VERSION } from './version.js';

export { MAX_MESSAGE_BYTES, PROTOCOL_VERSION };

const id = z.string().min(1).max(128);
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
    source: z.enum(['mic', 'camera']),
    rtpParameters: mediasoupObject,
  }),
  closeProducer: z.strictObject({ producerId: id }),
  consumeAssistant: z.strictObject({ transportId: id, rtpCapabilities: mediasoupObject }),
  resumeConsumer: z.strictObject({ consumerId: id }),
  leave: z.strictObject({}),
  ping: z.strictObject({}),
} as const;

/** A request method name. */
export type Method = keyof typeof requestSchemas;
/** The payload of a request for method M. */
export type RequestData<M extends Method> = z.infer<(typeof requestSchemas)[M]>;

/** Response payloads, one per method (server-produced, so typed but not validated). */
export interface ResponseDataMap {
  join: { callId: string; routerRtpCapabilities: Record<string, unknown>; protocolVersion: number };
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

/** Metrics pushed to the client; a discriminated union on `type`. */
export type MetricsEvent =
  | { type: 'audio_tap'; framesOut: number; gapsFilledMs: number; lateDropped: number; reordered: number }
  | { type: 'video_tap'; framesOut: number; restarts: number; fps: number }
  | { type: 'return_audio'; packetsSent: number; latenessP50Ms: number; latenessP99Ms: number };

/** Events the server pushes, keyed by name. */
export interface ServerEventMap {
  state: { state: CallState; callId: string; reason?: string };
  transcript: { utteranceId: string; text: string; final: boolean; startMs: number; endMs: number };
  reply: { turnId: string; text: string; final: boolean };
  metrics: MetricsEvent;
  error: WireError;
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

function isMethod(name: unknown): name is Method {
  return typeof name === 'string' && Object.hasOwn(requestSchemas, name);
}

/**
 * Parses and validates one raw client message. Never throws: every failure maps
 * to a catalogue code and a detail that names the offending field, never its content.
 */
export function parseClientMessage(raw: string | Buffer): ParseResult {
  const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (bytes > MAX_MESSAGE_BYTES) {
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
  const parsed = requestSchemas[method].safeParse(data ?? {});
  if (!parsed.success) {
    const where = parsed.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.code}`).join('; ');
    return { ok: false, id: reqId, code: 'ERR_INVALID_MESSAGE', detail: where };
  }
  return { ok: true, request: { v, kind, id: reqId, method, data: parsed.data } as ClientRequest };
}
