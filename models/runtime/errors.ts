/** Stable codes for model-runtime failures. */
export type ModelErrorCode =
  | 'ERR_MODEL_MISSING'
  | 'ERR_MODEL_LOAD'
  | 'ERR_MODEL_INPUT'
  | 'ERR_MODEL_RUN'
  | 'ERR_MODEL_DISPOSED'
  | 'ERR_ABORTED'
  | 'ERR_DOWNLOAD_OFFLINE'
  | 'ERR_DOWNLOAD_HTTP'
  | 'ERR_DOWNLOAD_CHECKSUM'
  | 'ERR_DOWNLOAD_SIZE';

/** A model-runtime error with a stable code. Messages name tensors and shapes, never their contents. */
export class ModelError extends Error {
  readonly code: ModelErrorCode;

  constructor(code: ModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelError';
    this.code = code;
  }
}

/** Throws ERR_ABORTED when `signal` is aborted; call it per step (token, chunk, frame). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ModelError('ERR_ABORTED', 'the operation was aborted');
}
