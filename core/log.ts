import { isExpectedError } from '../protocol/errors.js';

/** Structured fields. User content goes under `content`, which is redacted unless LOG_CONTENT=1. */
export type LogFields = Record<string, unknown>;

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** A JSON-lines logger with bound fields. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Keep `content` fields instead of redacting them. */
  logContent?: boolean;
  write?: (line: string) => void;
}

/** How many `cause` links a logged error follows. */
export const MAX_CAUSE_DEPTH = 4;

/**
 * An error as log fields: name, message and code; the stack unless it is an
 * expected error (a client's bad request, a cancellation); the `cause` chain
 * to MAX_CAUSE_DEPTH links. Other values pass through unchanged.
 */
export function errorFields(value: unknown, depth = 0): unknown {
  if (!(value instanceof Error)) return value;
  const code = (value as { code?: unknown }).code;
  const out: LogFields = { name: value.name, message: value.message };
  if (code !== undefined) out.code = code;
  if (value.stack !== undefined && !isExpectedError(value)) out.stack = value.stack;
  if (value.cause !== undefined) {
    out.cause = depth < MAX_CAUSE_DEPTH ? errorFields(value.cause, depth + 1) : '[cause chain truncated]';
  }
  return out;
}

/** The record as JSON; a field JSON cannot hold (a cycle, a BigInt) costs the fields, never the line. */
function serialise(record: LogFields, level: LogLevel, msg: string): string {
  try {
    return JSON.stringify(record);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return JSON.stringify({ t: record.t, level, msg, logFieldsError: reason });
  }
}

/** Creates a logger writing one JSON object per line (stderr by default). */
export function createLogger(options: LoggerOptions = {}, bindings: LogFields = {}): Logger {
  const min = RANK[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(line));
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const record: LogFields = { t: new Date().toISOString(), level, msg, ...bindings };
    for (const [k, v] of Object.entries(fields ?? {})) {
      record[k] = k === 'content' && !options.logContent ? '[redacted]' : errorFields(v);
    }
    write(`${serialise(record, level, msg)}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (b) => createLogger(options, { ...bindings, ...b }),
  };
}

/** A logger that discards everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/**
 * The logger for code that was handed none (an emitter built without one):
 * JSON lines on stderr at `info`, so an error is never dropped unseen.
 */
export const processLogger: Logger = createLogger();
