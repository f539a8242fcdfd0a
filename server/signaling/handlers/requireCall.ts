import { SightlineError } from '../../../protocol/errors.js';
import type { Call } from '../../call/call.js';
import type { HandlerContext } from './types.js';

/** The connection's call, or ERR_NOT_JOINED. */
export function requireCall(ctx: HandlerContext): Call {
  const call = ctx.conn.call;
  if (!call || call.closed) throw new SightlineError('ERR_NOT_JOINED');
  return call;
}
