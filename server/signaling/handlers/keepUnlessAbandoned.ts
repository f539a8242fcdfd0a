import type { HandlerContext } from './types.js';

/**
 * Returns `created`, or closes it and throws the abort reason when the request
 * was abandoned (connection closed, timed out) while it was being created: the
 * client never learns its id, so nothing else would ever close it.
 */
export function keepUnlessAbandoned<T extends { close(): void }>(ctx: HandlerContext, created: T): T {
  if (ctx.signal.aborted) {
    created.close();
    throw ctx.signal.reason;
  }
  return created;
}
