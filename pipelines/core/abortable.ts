import type { Logger } from '../../core/log.js';
import { settleOrAbort } from '../../core/settleOrAbort.js';
import { ModelError, throwIfAborted } from '../../models/runtime/errors.js';

/**
 * Iterates `source` until `signal` aborts, without waiting for the source's
 * next item to notice: an abort rejects at once with ERR_ABORTED, and the
 * source is asked to return (a failure there is logged, not thrown).
 */
export async function* abortable<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
  log: Logger,
): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      throwIfAborted(signal);
      const next = await settleOrAbort(
        () => it.next(),
        signal,
        () => new ModelError('ERR_ABORTED', 'the operation was aborted'),
      );
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished && it.return) {
      // Not awaited: a source blocked in next() would hold us here until its next item.
      Promise.resolve(it.return()).then(undefined, (error: unknown) =>
        log.warn('closing a stage input failed', { error }),
      );
    }
  }
}
