import type { types as ms } from 'mediasoup';
import { requireCall } from './requireCall.js';
import type { Handler } from './types.js';

export const connectTransport: Handler<'connectTransport'> = async (ctx, { transportId, dtlsParameters }) => {
  await requireCall(ctx).connectTransport(transportId, dtlsParameters as unknown as ms.DtlsParameters);
  return {};
};
