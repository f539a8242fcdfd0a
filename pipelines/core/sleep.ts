import type { Clock } from '../../core/clock.js';
import { ModelError, throwIfAborted } from '../../models/runtime/errors.js';

/**
 * Waits `ms` on `clock` (so a ManualClock drives it in tests). Rejects with
 * ERR_ABORTED when `signal` aborts first, and then leaves no timer or listener behind.
 */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    throwIfAborted(signal);
    const onAbort = () => {
      cancel();
      reject(new ModelError('ERR_ABORTED', 'the operation was aborted'));
    };
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
