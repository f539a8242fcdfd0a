/**
 * Server messages checked in the browser before anything acts on them: a small
 * hand-written structural check per event (no zod: the SDK core stays small).
 * Extra fields pass (a newer server may add some); a missing or mistyped field
 * names itself in the result, never its content.
 */
import type { ServerEventMap, ServerMessage } from '../../protocol/wire.js';

/** A check returns null when the value fits, else the path of the first field that does not. */
type Check = (value: unknown, path: string) => string | null;

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const str: Check = (v, p) => (typeof v === 'string' ? null : p);
const num: Check = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? null : p);
const bool: Check = (v, p) => (typeof v === 'boolean' ? null : p);
const any: Check = () => null;
const record: Check = (v, p) => (isRecord(v) ? null : p);
const nullable =
  (c: Check): Check =>
  (v, p) =>
    v === null ? null : c(v, p);
const optional =
  (c: Check): Check =>
  (v, p) =>
    v === undefined ? null : c(v, p);
const oneOf =
  (...values: readonly string[]): Check =>
  (v, p) =>
    typeof v === 'string' && values.includes(v) ? null : p;
const arrayOf =
  (c: Check): Check =>
  (v, p) => {
    if (!Array.isArray(v)) return p;
    for (let i = 0; i < v.length; i++) {
      const bad = c(v[i], `${p}.${i}`);
      if (bad) return bad;
    }
    return null;
  };
const obj =
  (shape: Record<string, Check>): Check =>
  (v, p) => {
    if (!isRecord(v)) return p;
    for (const [key, check] of Object.entries(shape)) {
      const bad = check(v[key], p ? `${p}.${key}` : key);
      if (bad) return bad;
    }
    return null;
  };

const wireError = obj({ code: str, message: str, retryable: bool, recoverable: bool });
const numOrNull = nullable(num);

const turnMetrics = obj({
  turnId: str,
  trigger: oneOf('speech', 'text', 'image'),
  endOfTurnDelayMs: numOrNull,
  sttLatencyMs: numOrNull,
  llmTtftMs: numOrNull,
  ttsTtfbMs: numOrNull,
  voiceToVoiceMs: numOrNull,
  interrupted: bool,
  tokensIn: num,
  tokensOut: num,
  visualTokensKept: num,
  visualTokensMerged: num,
});

const metricsByType: Record<string, Check> = {
  turn: turnMetrics,
  audio_tap: obj({ framesOut: num, gapsFilledMs: num, lateDropped: num, reordered: num }),
  video_tap: obj({ framesOut: num, restarts: num, fps: num }),
  return_audio: obj({ packetsSent: num, latenessP50Ms: num, latenessP99Ms: num }),
};

const metrics: Check = (v, p) => {
  if (!isRecord(v)) return p;
  const check = typeof v.type === 'string' ? metricsByType[v.type] : undefined;
  return check ? check(v, p) : `${p}.type`;
};

const evidence = obj({
  frames: arrayOf(obj({ tMs: num, url: str, role: str })),
  transcript: arrayOf(obj({ startMs: num, endMs: num, text: str })),
  ocr: arrayOf(obj({ tMs: num, text: str })),
});

/** One check per server event; an event not listed here is unknown to this SDK. */
const EVENT_CHECKS: { [E in keyof ServerEventMap]: Check } = {
  state: obj({
    state: oneOf('joined', 'media-connected', 'media-disconnected', 'closed'),
    callId: str,
    reason: optional(str),
  }),
  assistant_state: obj({
    state: oneOf('listening', 'user-speaking', 'thinking', 'speaking', 'interrupted'),
    turnId: nullable(str),
  }),
  transcript: obj({ utteranceId: str, text: str, final: bool, startMs: num, endMs: num }),
  reply: obj({ turnId: str, text: str, final: bool, playedMs: num, interrupted: bool }),
  tool_call: obj({ callId: str, name: str, arguments: any, timeoutMs: num }),
  models: obj({
    ready: bool,
    loaded: record,
    missing: arrayOf(str),
    fetchCommand: nullable(str),
    tinyTestModels: bool,
  }),
  metrics,
  video_answer: obj({
    turnId: str,
    videoId: str,
    kind: str,
    citations: arrayOf(obj({ tMs: num, label: str })),
    evidence,
    moments: arrayOf(obj({ startMs: num, endMs: num, score: num, source: str, text: str })),
  }),
  video_progress: obj({
    videoId: str,
    status: oneOf('uploading', 'queued', 'ingesting', 'ready', 'failed', 'cancelled'),
    stage: nullable(str),
    stagePercent: num,
    percent: num,
    error: nullable(wireError),
  }),
  error: wireError,
};

/** True when `name` is an event this SDK knows. */
export function isKnownEvent(name: string): name is keyof ServerEventMap {
  return Object.hasOwn(EVENT_CHECKS, name);
}

/** The outcome of checking one server message. */
export type ValidationResult =
  | { ok: true; message: ServerMessage }
  | { ok: false; reason: 'not-json' | 'invalid' | 'unknown-event'; field: string; event?: string };

/**
 * Parses and checks one raw WebSocket message from the server: the envelope
 * (`kind` event or response), and an event's payload against its check. Never
 * throws; an unknown event is `unknown-event`, a malformed one `invalid` with the field.
 */
export function validateServerMessage(raw: unknown): ValidationResult {
  let msg: unknown;
  try {
    msg = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch {
    return { ok: false, reason: 'not-json', field: '(message)' };
  }
  if (!isRecord(msg)) return { ok: false, reason: 'invalid', field: '(message)' };
  if (msg.kind === 'event') {
    if (typeof msg.event !== 'string') return { ok: false, reason: 'invalid', field: 'event' };
    if (!isKnownEvent(msg.event)) {
      return { ok: false, reason: 'unknown-event', field: 'event', event: msg.event };
    }
    const bad = EVENT_CHECKS[msg.event](msg.data, 'data');
    if (bad) return { ok: false, reason: 'invalid', field: bad, event: msg.event };
    return { ok: true, message: msg as unknown as ServerMessage };
  }
  if (msg.kind === 'response') {
    const bad =
      (msg.id === null || (typeof msg.id === 'number' && Number.isSafeInteger(msg.id)) ? null : 'id') ??
      bool(msg.ok, 'ok') ??
      (msg.ok === false ? wireError(msg.error, 'error') : null);
    if (bad) return { ok: false, reason: 'invalid', field: bad };
    return { ok: true, message: msg as unknown as ServerMessage };
  }
  return { ok: false, reason: 'invalid', field: 'kind' };
}
