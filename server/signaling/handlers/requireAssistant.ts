import type { AssistantPort } from '../../../pipelines/assistant/port.js';
import { SightlineError } from '../../../protocol/errors.js';
import { requireCall } from './requireCall.js';
import type { HandlerContext } from './types.js';

/** The joined call's assistant, or ERR_NOT_JOINED / ERR_ASSISTANT_UNAVAILABLE (models missing). */
export function requireAssistant(ctx: HandlerContext): AssistantPort {
  const assistant = requireCall(ctx).assistant;
  if (!assistant) throw new SightlineError('ERR_ASSISTANT_UNAVAILABLE');
  return assistant;
}
