import { SightlineError } from '../../protocol/errors.js';

/** The catalogue codes a model-runtime failure may carry (protocol/errors.ts holds their flags and sentences). */
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
  | 'ERR_DOWNLOAD_SIZE'
  | 'ERR_MODELS_LOCK'
  | 'ERR_REMOTE_MODEL';

/**
 * A model-runtime error: a catalogue error restricted to model codes, so it
 * carries the catalogue's `retryable`/`recoverable` flags. Messages name
 * tensors, shapes and files, never their contents.
 */
export class ModelError extends SightlineError {
  declare readonly code: ModelErrorCode;

  constructor(code: ModelErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ModelError';
  }
}

/** Throws ERR_ABORTED when `signal` is aborted; call it per step (token, chunk, frame). */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ModelError('ERR_ABORTED', 'the operation was aborted');
}
