import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../../models/runtime/errors.js';
import { ERROR_CATALOGUE, SightlineError } from '../../../../protocol/errors.js';
import { toSightlineError } from '../../../../server/signaling/errors.js';

describe('toSightlineError', () => {
  it('keeps the text of a programming error in the log, off the wire', () => {
    for (const internal of [
      new SightlineError('ERR_INTERNAL', 'router has no Opus codec'),
      new SightlineError('ERR_INVALID_ARGUMENT', 'worker pool size must be >= 1'),
      new Error('something internal at /srv/sightline'),
    ]) {
      expect(toSightlineError(internal).toWire()).toEqual({
        code: 'ERR_INTERNAL',
        ...ERROR_CATALOGUE.ERR_INTERNAL,
      });
    }
  });

  it('passes an error meant for the client through unchanged', () => {
    const notJoined = new SightlineError('ERR_NOT_JOINED');
    expect(toSightlineError(notJoined)).toBe(notJoined);
    const missing = new ModelError('ERR_MODEL_MISSING', 'models are missing. Run: npx sightline models pull');
    expect(toSightlineError(missing)).toBe(missing);
  });

  it('maps mediasoup parameter and state errors to client codes', () => {
    expect(toSightlineError(new TypeError('missing rtpParameters')).code).toBe('ERR_INVALID_MESSAGE');
    const state = Object.assign(new Error('closed'), { name: 'InvalidStateError' });
    expect(toSightlineError(state).code).toBe('ERR_INVALID_STATE');
  });
});
