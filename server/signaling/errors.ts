import { SightlineError } from '../../protocol/errors.js';

/**
 * Maps anything a handler throws to a catalogue error. mediasoup reports bad
 * client parameters as TypeError/UnsupportedError and bad sequencing as
 * InvalidStateError; everything else is internal and its text stays in the log.
 */
export function toSightlineError(error: unknown): SightlineError {
  if (error instanceof SightlineError) return error;
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
