import { SightlineError } from '../../../protocol/errors.js';
import { ownerOf } from '../../auth/token.js';
import type { Handler } from './types.js';

/**
 * Takes a call back after its WebSocket dropped: the token (may be a fresh one)
 * must name the call's owner and the resume token must be the call's
 * (ERR_UNAUTHORIZED otherwise); a call unknown, closed or past its window is
 * ERR_NOT_FOUND. A call still held by another connection is taken over.
 * Everything is checked and done in one turn of the event loop: the window
 * cannot expire half-way.
 */
export const resume: Handler<'resume'> = async (ctx, { token, callId, resumeToken }) => {
  if (ctx.conn.call && !ctx.conn.call.closed) throw new SightlineError('ERR_ALREADY_JOINED');
  const claims = ctx.app.tokens.verify(token);
  if (!claims) throw new SightlineError('ERR_UNAUTHORIZED');
  const call = ctx.app.calls.get(callId);
  const link = call?.link;
  if (!call || call.closed || !link)
    throw new SightlineError('ERR_NOT_FOUND', 'no such call (or it has ended)');
  const owner = ownerOf(claims);
  if (!link.admits(resumeToken, owner)) {
    throw new SightlineError('ERR_UNAUTHORIZED', 'this call cannot be resumed with these credentials');
  }
  ctx.signal.throwIfAborted();
  ctx.conn.attach(call, 'resume');
  ctx.conn.setOwner(owner);
  return { callId: call.id, resumeToken: link.resumeToken, resumeWindowMs: link.windowMs };
};
