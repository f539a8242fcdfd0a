/**
 * Returns `created`, or releases it and throws the signal's reason when `signal`
 * aborted while it was being created (its connection closed, its request timed
 * out): the requester never learns of it, so nothing else would ever release it.
 * `release` defaults to `created.close()`.
 */
export function keepUnlessAborted<T extends { close(): void }>(
  signal: AbortSignal | undefined,
  created: T,
  release: (created: T) => void = (c) => c.close(),
): T {
  if (signal?.aborted) {
    release(created);
    throw signal.reason;
  }
  return created;
}
