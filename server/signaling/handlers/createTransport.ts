import { keepUnlessAborted } from '../../../core/keepUnlessAborted.js';
import { requireCall } from './requireCall.js';
import type { Handler } from './types.js';

export const createTransport: Handler<'createTransport'> = async (ctx, { direction }) => {
  const t = keepUnlessAborted(ctx.signal, await requireCall(ctx).createTransport(direction));
  return {
    id: t.id,
    iceParameters: t.iceParameters as unknown as Record<string, unknown>,
    iceCandidates: t.iceCandidates as unknown as Record<string, unknown>[],
    dtlsParameters: t.dtlsParameters as unknown as Record<string, unknown>,
  };
};
