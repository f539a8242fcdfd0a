import { requireCall } from './requireCall.js';
import type { Handler } from './types.js';

/** Mute: the server takes nothing from this producer (its tap and the assistant get no media) until resumed. */
export const pauseProducer: Handler<'pauseProducer'> = async (ctx, { producerId }) => {
  await requireCall(ctx).pauseProducer(producerId);
  return {};
};

export const resumeProducer: Handler<'resumeProducer'> = async (ctx, { producerId }) => {
  await requireCall(ctx).resumeProducer(producerId);
  return {};
};
