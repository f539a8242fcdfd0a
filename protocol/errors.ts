/** One catalogue entry: the human sentence a client shows, and what a client may do next. */
export interface CatalogueEntry {
  message: string;
  /** Trying the same thing again may succeed. */
  retryable: boolean;
  /** The call (or the process, for server-side work) can go on after it. */
  recoverable: boolean;
}

/**
 * The error catalogue shared by server and client. Codes are stable: clients
 * branch on them, so a code is never renamed or reused for another meaning.
 */
export const ERROR_CATALOGUE = {
  ERR_BAD_JSON: { message: 'The message is not valid JSON.', retryable: false, recoverable: true },
  ERR_MESSAGE_TOO_LARGE: {
    message: 'The message is larger than the limit.',
    retryable: false,
    recoverable: true,
  },
  ERR_UNSUPPORTED_VERSION: {
    message: 'The protocol version is not supported.',
    retryable: false,
    recoverable: true,
  },
  ERR_UNKNOWN_TYPE: {
    message: 'The message kind or method is unknown.',
    retryable: false,
    recoverable: true,
  },
  ERR_INVALID_MESSAGE: {
    message: 'The message does not match the protocol.',
    retryable: false,
    recoverable: true,
  },
  ERR_DUPLICATE_REQUEST_ID: {
    message: 'A request with this id is still pending.',
    retryable: false,
    recoverable: true,
  },
  ERR_NOT_JOINED: { message: 'Join the call before this request.', retryable: false, recoverable: true },
  ERR_ALREADY_JOINED: {
    message: 'This connection has already joined a call.',
    retryable: false,
    recoverable: true,
  },
  ERR_UNAUTHORIZED: {
    message: 'The session token is missing, invalid or expired.',
    retryable: false,
    recoverable: false,
  },
  ERR_NOT_FOUND: { message: 'The referenced object does not exist.', retryable: false, recoverable: true },
  ERR_INVALID_STATE: {
    message: 'The request does not fit the current state.',
    retryable: false,
    recoverable: true,
  },
  ERR_TIMEOUT: { message: 'The request did not complete in time.', retryable: true, recoverable: true },
  ERR_RATE_LIMITED: { message: 'Too many messages; slow down.', retryable: true, recoverable: true },
  ERR_CALL_LIMIT: { message: 'The server is at its call limit.', retryable: true, recoverable: false },
  ERR_MEDIA_WORKER_DIED: {
    message: 'The media worker serving this call stopped; rejoin to continue.',
    retryable: true,
    recoverable: false,
  },
  ERR_MEDIA: { message: 'A media operation failed.', retryable: true, recoverable: true },
  ERR_CONNECTION_CLOSED: { message: 'The connection closed.', retryable: true, recoverable: false },
  ERR_INTERNAL: { message: 'An internal error occurred.', retryable: true, recoverable: true },
  ERR_METHOD_NOT_ALLOWED: {
    message: 'This HTTP method is not allowed on this path.',
    retryable: false,
    recoverable: true,
  },
  ERR_MODEL_MISSING: {
    message: 'A model file is missing; run `npx sightline models pull`.',
    retryable: false,
    recoverable: false,
  },
  ERR_MODEL_LOAD: { message: 'A model could not be loaded.', retryable: false, recoverable: false },
  ERR_MODEL_INPUT: { message: 'The input does not fit the model.', retryable: false, recoverable: true },
  ERR_MODEL_RUN: { message: 'A model run failed.', retryable: true, recoverable: true },
  ERR_MODEL_DISPOSED: { message: 'The model has been unloaded.', retryable: false, recoverable: false },
  ERR_ABORTED: { message: 'The operation was cancelled.', retryable: false, recoverable: true },
  ERR_DOWNLOAD_OFFLINE: {
    message: 'The model server cannot be reached.',
    retryable: true,
    recoverable: true,
  },
  ERR_DOWNLOAD_HTTP: {
    message: 'The model server refused the download.',
    retryable: true,
    recoverable: true,
  },
  ERR_DOWNLOAD_CHECKSUM: {
    message: 'A downloaded file does not match its checksum.',
    retryable: true,
    recoverable: true,
  },
  ERR_DOWNLOAD_SIZE: {
    message: 'A downloaded file does not have the expected size.',
    retryable: true,
    recoverable: true,
  },
  ERR_MODELS_LOCK: {
    message: 'The models lock file is unreadable.',
    retryable: false,
    recoverable: false,
  },
  ERR_CONFIG: { message: 'The server configuration is invalid.', retryable: false, recoverable: false },
  ERR_INVALID_ARGUMENT: { message: 'An argument is out of range.', retryable: false, recoverable: true },
  ERR_UNSUPPORTED_CODEC: {
    message: 'The track uses a codec the server does not support.',
    retryable: false,
    recoverable: true,
  },
  ERR_MEDIA_FORMAT: { message: 'A media stream is malformed.', retryable: true, recoverable: true },
  ERR_AUDIO_FORMAT: {
    message: 'The audio is not in the format this stage was created for.',
    retryable: false,
    recoverable: true,
  },
  ERR_ASSISTANT_UNAVAILABLE: {
    message: 'The assistant cannot answer: its models are not loaded (see /readyz).',
    retryable: false,
    recoverable: true,
  },
  ERR_IMAGE_TOO_LARGE: {
    message: 'The image is larger than the limit.',
    retryable: false,
    recoverable: true,
  },
  ERR_IMAGE_FORMAT: {
    message: 'The image could not be decoded as JPEG, PNG or WebP.',
    retryable: false,
    recoverable: true,
  },
  ERR_VIDEO_NOT_FOUND: {
    message: 'No such video (or it belongs to someone else).',
    retryable: false,
    recoverable: true,
  },
  ERR_VIDEO_NOT_READY: {
    message: 'The video is still being indexed; ask again when it is ready.',
    retryable: true,
    recoverable: true,
  },
  ERR_VIDEO_TOO_LARGE: {
    message: 'The upload is larger than the size limit.',
    retryable: false,
    recoverable: true,
  },
  ERR_VIDEO_TOO_LONG: {
    message: 'The video is longer than the duration limit.',
    retryable: false,
    recoverable: true,
  },
  ERR_VIDEO_EMPTY: {
    message: 'The file holds no audio or video to index (zero bytes or zero seconds).',
    retryable: false,
    recoverable: true,
  },
  ERR_VIDEO_UNREADABLE: {
    message: 'The file is not a video or audio file that ffmpeg can decode (or it is truncated).',
    retryable: false,
    recoverable: true,
  },
  ERR_VIDEO_QUOTA: {
    message: 'Your video storage quota is full; delete a video first.',
    retryable: false,
    recoverable: true,
  },
  ERR_VIDEO_INGEST_FAILED: {
    message: 'Indexing the video failed.',
    retryable: true,
    recoverable: true,
  },
  ERR_UPLOAD_INCOMPLETE: {
    message: 'The upload has not finished; resume it first.',
    retryable: true,
    recoverable: true,
  },
  ERR_TOOL_TIMEOUT: { message: 'The tool did not answer in time.', retryable: true, recoverable: true },
  ERR_TOOL_FAILED: { message: 'The tool reported a failure.', retryable: true, recoverable: true },
  ERR_TOOL_CALL_INVALID: {
    message: 'The model asked for a tool call that is malformed or unknown.',
    retryable: true,
    recoverable: true,
  },
  ERR_REMOTE_MODEL: {
    message: 'A remote model server failed or stopped answering.',
    retryable: true,
    recoverable: true,
  },
  ERR_QUEUE_UNAVAILABLE: {
    message: 'The ingest queue (Redis) cannot be reached.',
    retryable: true,
    recoverable: true,
  },
} as const satisfies Record<string, CatalogueEntry>;

/** A stable error code from the catalogue. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The wire form of an error: a code, a human sentence and the catalogue's flags. */
export interface WireError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  recoverable: boolean;
}

/** An error carrying a stable code. Thrown by server and client alike. */
export class SightlineError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly recoverable: boolean;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    const entry = ERROR_CATALOGUE[code];
    super(message ?? entry.message, options);
    this.name = 'SightlineError';
    this.code = code;
    this.retryable = entry.retryable;
    this.recoverable = entry.recoverable;
  }

  /** The form sent over the wire. Never includes stack or cause. */
  toWire(): WireError {
    return {
      code: this.code,
      message: this.message,
      retryable: this.retryable,
      recoverable: this.recoverable,
    };
  }

  static fromWire(wire: WireError): SightlineError {
    return new SightlineError(wire.code, wire.message);
  }
}

/** True when `code` is in the catalogue. */
export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

/**
 * Codes that report the other side's doing (a bad or ill-timed request, a
 * cancelled operation, a closed connection), not a server fault: logs keep no
 * stack for them.
 */
export const EXPECTED_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ERR_BAD_JSON',
  'ERR_MESSAGE_TOO_LARGE',
  'ERR_UNSUPPORTED_VERSION',
  'ERR_UNKNOWN_TYPE',
  'ERR_INVALID_MESSAGE',
  'ERR_DUPLICATE_REQUEST_ID',
  'ERR_NOT_JOINED',
  'ERR_ALREADY_JOINED',
  'ERR_UNAUTHORIZED',
  'ERR_NOT_FOUND',
  'ERR_INVALID_STATE',
  'ERR_RATE_LIMITED',
  'ERR_CALL_LIMIT',
  'ERR_CONNECTION_CLOSED',
  'ERR_ABORTED',
  'ERR_UNSUPPORTED_CODEC',
  'ERR_METHOD_NOT_ALLOWED',
  'ERR_ASSISTANT_UNAVAILABLE',
  'ERR_IMAGE_TOO_LARGE',
  'ERR_IMAGE_FORMAT',
  'ERR_VIDEO_NOT_FOUND',
  'ERR_VIDEO_NOT_READY',
]);

/** True for a SightlineError whose code is in EXPECTED_CODES. */
export function isExpectedError(error: unknown): boolean {
  return error instanceof SightlineError && EXPECTED_CODES.has(error.code);
}
