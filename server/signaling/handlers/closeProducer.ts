import { requireCall } from './requireCall.js';
import type { Handler } from './types.js';

export const closeProducer: Handler<'closeProducer'> = async (ctx, { producerId }) => {
  requireCall(ctx).closeProducer(producerId);
  return {};
};
