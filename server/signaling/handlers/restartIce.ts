import { requireCall } from './requireCall.js';
import type { Handler } from './types.js';

/** New ICE parameters for a transport whose connection failed; the client restarts ICE with them. */
export const restartIce: Handler<'restartIce'> = async (ctx, { transportId }) => {
  const iceParameters = await requireCall(ctx).restartIce(transportId);
  return { iceParameters: iceParameters as unknown as Record<string, unknown> };
};
