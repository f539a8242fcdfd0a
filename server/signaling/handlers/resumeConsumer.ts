import { requireCall } from './requireCall.js';
import type { Handler } from './types.js';

export const resumeConsumer: Handler<'resumeConsumer'> = async (ctx, { consumerId }) => {
  await requireCall(ctx).resumeConsumer(consumerId);
  return {};
};
