import type { Logger } from '../../core/log.js';
import { ModelError, throwIfAborted } from '../../models/runtime/errors.js';

/** The source's next item, or ERR_ABORTED as soon as `signal` aborts (the listener is removed either way). */
function nextOrAbort<T>(it: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new ModelError('ERR_ABORTED', 'the operation was aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    it.next().then(
      (result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

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
      const next = await nextOrAbort(it, signal);
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
