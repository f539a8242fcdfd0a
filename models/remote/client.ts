import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ModelError } from '../runtime/errors.js';

/** Where a role's OpenAI-compatible server is and how to talk to it. */
export interface RemoteEndpointOptions {
  /** The API root, e.g. `http://127.0.0.1:8000/v1` (vLLM), `http://127.0.0.1:11434/v1` (Ollama). */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer …`; no header at all when absent (local servers need none). */
  apiKey?: string;
  /** Connect and first byte (response headers) of one request; default 30 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export const DEFAULT_REMOTE_TIMEOUT_MS = 30_000;

/** `baseUrl` without user info, query or trailing slash: what logs, errors and `describe` show. */
export function displayUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.toString().replace(/\/+$/, '');
}

/**
 * The `openai` client for one endpoint. No retries (a live turn cannot wait
 * for a backoff), no logging to the console, and nothing taken from the
 * process's `OPENAI_*` variables: a key meant for one server never goes to another.
 */
export function createOpenAiClient(options: RemoteEndpointOptions): OpenAI {
  return new OpenAI({
    baseURL: options.baseUrl.replace(/\/+$/, ''),
    // The client insists on a credential; without a key the header is removed below.
    apiKey: options.apiKey ?? 'no-key',
    organization: null,
    project: null,
    adminAPIKey: null,
    webhookSecret: null,
    defaultHeaders: options.apiKey === undefined ? { Authorization: null } : undefined,
    timeout: options.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS,
    maxRetries: 0,
    logLevel: 'off',
    fetch: options.fetch,
  });
}

/** Removes `secret` from `text` (a server may echo what it was sent). */
function redact(text: string, secret: string | undefined): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}

/** The first line of a server's own words about an error (its error body's message when it sent one), short. */
function serverWords(error: unknown): string {
  const body = error instanceof APIError ? (error.error as { message?: unknown } | undefined) : undefined;
  const text =
    typeof body?.message === 'string' ? body.message : error instanceof Error ? error.message : String(error);
  const line = text.split('\n')[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** `message (cause)` for a low-level failure such as undici's `terminated` (other side closed). */
function withCause(error: unknown): string {
  const words = serverWords(error);
  const cause = error instanceof Error && error.cause instanceof Error ? serverWords(error.cause) : '';
  return cause && cause !== words ? `${words} (${cause})` : words;
}

/**
 * What went wrong talking to `server` as a ModelError: ERR_ABORTED when
 * `signal` fired, ERR_REMOTE_MODEL otherwise, naming the server and the HTTP
 * status, never the key.
 */
export function remoteError(
  what: string,
  server: string,
  error: unknown,
  opts: { apiKey?: string; signal?: AbortSignal },
): ModelError {
  if (error instanceof ModelError) return error;
  if (opts.signal?.aborted || error instanceof APIUserAbortError) {
    return new ModelError('ERR_ABORTED', 'the operation was aborted');
  }
  let message: string;
  if (error instanceof APIConnectionTimeoutError) {
    message = `${what} server ${server} did not answer in time`;
  } else if (error instanceof APIConnectionError) {
    const cause = error.cause instanceof Error ? withCause(error.cause) : '';
    message = `${what} server ${server} could not be reached${cause ? ` (${cause})` : ''}`;
  } else if (error instanceof APIError && error.status !== undefined) {
    message = `${what} server ${server} answered HTTP ${error.status}: ${serverWords(error)}`;
  } else if (error instanceof APIError) {
    message = `${what} server ${server} reported an error mid-stream: ${serverWords(error)}`;
  } else {
    message = `${what} server ${server} failed mid-answer: ${withCause(error)}`;
  }
  return new ModelError('ERR_REMOTE_MODEL', redact(message, opts.apiKey));
}
