import { type ErrorCode, SightlineError } from '../../protocol/errors.js';

/** Codes of programming errors: the client gets ERR_INTERNAL with the catalogue's sentence. */
const INTERNAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['ERR_INTERNAL', 'ERR_INVALID_ARGUMENT']);

/**
 * Maps anything a handler throws to a catalogue error. mediasoup reports bad
 * client parameters as TypeError/UnsupportedError and bad sequencing as
 * InvalidStateError; everything else is internal (ERR_INTERNAL) and its text
 * stays in the log.
 */
export function toSightlineError(error: unknown): SightlineError {
  if (error instanceof SightlineError) {
    return INTERNAL_CODES.has(error.code) ? new SightlineError('ERR_INTERNAL') : error;
  }
  if (error instanceof Error) {
    if (error.name === 'TypeError' || error.name === 'UnsupportedError') {
      return new SightlineError(
        'ERR_INVALID_MESSAGE',
        `invalid media parameters: ${error.message}`.slice(0, 300),
      );
    }
    if (error.name === 'InvalidStateError') return new SightlineError('ERR_INVALID_STATE');
  }
  return new SightlineError('ERR_INTERNAL');
}
