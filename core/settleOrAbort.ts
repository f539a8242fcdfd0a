/**
 * What `start()` settles with, or a rejection with `abortError()` as soon as `signal` aborts,
 * whichever comes first; the abort listener is removed either way. `start` runs after the
 * listener is in place, so an abort it causes is not missed.
 */
export function settleOrAbort<T>(
  start: () => Promise<T>,
  signal: AbortSignal,
  abortError: () => unknown,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    start().then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
