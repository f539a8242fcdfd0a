import { requireAssistant } from './requireAssistant.js';
import type { Handler } from './types.js';

export const sendText: Handler<'sendText'> = async (ctx, { text }) => requireAssistant(ctx).sendText(text);
