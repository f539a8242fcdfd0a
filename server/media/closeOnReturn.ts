/**
 * Wraps a tap's single-consumer stream so that a consumer leaving it early
 * (`break`, `return` or a throw inside `for await`, or an explicit `return()`)
 * closes the tap through `close` instead of leaving it decoding into a queue
 * nobody reads. Reaching the end of the stream (the tap closed) calls nothing.
 */
export function closeOnReturn<T>(source: AsyncIterable<T>, close: () => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const it = source[Symbol.asyncIterator]();
      return {
        next: () => it.next(),
        return: async (): Promise<IteratorResult<T>> => {
          close();
          return (await it.return?.()) ?? { value: undefined, done: true };
        },
      };
    },
  };
}
