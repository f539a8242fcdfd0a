import type { types as ms } from 'mediasoup';
import { keepUnlessAborted } from '../../../core/keepUnlessAborted.js';
import { requireCall } from './requireCall.js';
import type { Handler } from './types.js';

export const produce: Handler<'produce'> = async (ctx, { transportId, kind, source, rtpParameters }) => {
  const producer = keepUnlessAborted(
    ctx.signal,
    await requireCall(ctx).produce(transportId, kind, source, rtpParameters as unknown as ms.RtpParameters),
  );
  return { producerId: producer.id };
};
