import { SightlineError } from '../../../protocol/errors.js';
import { PROTOCOL_VERSION } from '../../../protocol/messages.js';
import { ownerOf } from '../../auth/token.js';
import { CallLink } from '../../call/callLink.js';
import type { Handler } from './types.js';

export const join: Handler<'join'> = async (ctx, { token }) => {
  if (ctx.conn.call && !ctx.conn.call.closed) throw new SightlineError('ERR_ALREADY_JOINED');
  const claims = ctx.app.tokens.verify(token);
  if (!claims) throw new SightlineError('ERR_UNAUTHORIZED');
  const call = await ctx.app.calls.create({ signal: ctx.signal });
  const owner = ownerOf(claims);
  const { app } = ctx;
  const link = new CallLink(call, {
    owner,
    windowMs: app.config.limits.resumeWindowMs,
    clock: app.clock,
    log: app.log,
    metrics: app.metrics,
  });
  call.link = link;
  ctx.conn.attach(call, 'join');
  ctx.conn.setOwner(owner);
  // What the assistant runs on (or which models are missing), before the first word is said.
  call.emit('push', 'models', app.models.status);
  return {
    callId: call.id,
    routerRtpCapabilities: call.router.rtpCapabilities as unknown as Record<string, unknown>,
    protocolVersion: PROTOCOL_VERSION,
    resumeToken: link.resumeToken,
    resumeWindowMs: link.windowMs,
  };
};
