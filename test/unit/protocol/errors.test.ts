import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../models/runtime/errors.js';
import {
  ERROR_CATALOGUE,
  EXPECTED_CODES,
  isErrorCode,
  isExpectedError,
  SightlineError,
} from '../../../protocol/errors.js';

describe('error catalogue', () => {
  it('ModelError is a catalogue error carrying its code flags', () => {
    const cause = new Error('onnxruntime: bad shape');
    const e = new ModelError('ERR_MODEL_RUN', 'whisper-decoder: run failed', { cause });
    expect(e).toBeInstanceOf(SightlineError);
    expect(e).toMatchObject({
      name: 'ModelError',
      code: 'ERR_MODEL_RUN',
      retryable: true,
      recoverable: true,
    });
    expect(e.cause).toBe(cause);
    expect(new ModelError('ERR_MODEL_MISSING', 'x')).toMatchObject({ retryable: false, recoverable: false });
    expect(e.toWire()).toEqual({
      code: 'ERR_MODEL_RUN',
      message: 'whisper-decoder: run failed',
      retryable: true,
      recoverable: true,
    });
  });

  it('knows every model code, so a client can branch on it', () => {
    for (const code of [
      'ERR_MODEL_MISSING',
      'ERR_MODEL_LOAD',
      'ERR_MODEL_INPUT',
      'ERR_MODEL_RUN',
      'ERR_MODEL_DISPOSED',
      'ERR_ABORTED',
      'ERR_DOWNLOAD_OFFLINE',
      'ERR_DOWNLOAD_HTTP',
      'ERR_DOWNLOAD_CHECKSUM',
      'ERR_DOWNLOAD_SIZE',
      'ERR_MODELS_LOCK',
    ]) {
      expect(isErrorCode(code), code).toBe(true);
    }
  });

  it('gives each entry a human sentence', () => {
    for (const [code, entry] of Object.entries(ERROR_CATALOGUE)) {
      expect(entry.message, code).toMatch(/^[A-Z].*\.$/);
    }
  });

  it('treats client mistakes and cancellations as expected, server faults not', () => {
    expect(isExpectedError(new SightlineError('ERR_INVALID_MESSAGE'))).toBe(true);
    expect(isExpectedError(new ModelError('ERR_ABORTED', 'stopped'))).toBe(true);
    expect(isExpectedError(new SightlineError('ERR_INTERNAL'))).toBe(false);
    expect(isExpectedError(new ModelError('ERR_MODEL_RUN', 'x'))).toBe(false);
    expect(isExpectedError(Object.assign(new Error('x'), { code: 'ERR_NOT_JOINED' }))).toBe(false);
    expect(EXPECTED_CODES.has('ERR_MEDIA_WORKER_DIED')).toBe(false);
  });
});
