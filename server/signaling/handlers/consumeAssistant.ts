import type { types as ms } from 'mediasoup';
import { keepUnlessAborted } from '../../../core/keepUnlessAborted.js';
import { requireCall } from './requireCall.js';
import type { Handler } from './types.js';

export const consumeAssistant: Handler<'consumeAssistant'> = async (
  ctx,
  { transportId, rtpCapabilities },
) => {
  const consumer = keepUnlessAborted(
    ctx.signal,
    await requireCall(ctx).consumeAssistant(transportId, rtpCapabilities as unknown as ms.RtpCapabilities),
  );
  return {
    consumerId: consumer.id,
    producerId: consumer.producerId,
    kind: 'audio',
    rtpParameters: consumer.rtpParameters as unknown as Record<string, unknown>,
  };
};
