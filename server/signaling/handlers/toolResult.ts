import { requireAssistant } from './requireAssistant.js';
import type { Handler } from './types.js';

export const toolResult: Handler<'toolResult'> = async (ctx, { callId, ok, result, error }) => {
  requireAssistant(ctx).toolResult(
    callId,
    ok ? { ok: true, result: result ?? null } : { ok: false, error: error ?? 'the tool failed' },
  );
  return {};
};
