import { requireAssistant } from './requireAssistant.js';
import type { Handler } from './types.js';

/** Stops the assistant now (a button, not speech): its reply is cut where it was heard. */
export const interrupt: Handler<'interrupt'> = async (ctx) => requireAssistant(ctx).interrupt();

/** Push-to-talk: pressed, the person's turn (the assistant stops); released, the turn ends at once. */
export const pushToTalk: Handler<'pushToTalk'> = async (ctx, { pressed }) => {
  requireAssistant(ctx).pushToTalk(pressed);
  return {};
};
