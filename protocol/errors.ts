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
  ERR_AUDIO_FORMAT: {
    message: 'The audio is not in the format this stage was created for.',
    retryable: false,
    recoverable: true,
  },
} as const satisfies Record<string, { message: string; retryable: boolean; recoverable: boolean }>;

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
