import { SightlineError } from '../../../protocol/errors.js';
import { requireAssistant } from './requireAssistant.js';
import type { Handler } from './types.js';

const BUILT_IN = new Set(['look_closer', 'read_text', 'current_time']);

export const registerTools: Handler<'registerTools'> = async (ctx, { tools }) => {
  const names = new Set<string>();
  for (const t of tools) {
    if (BUILT_IN.has(t.name))
      throw new SightlineError('ERR_INVALID_MESSAGE', `tools.${t.name}: a built-in tool has this name`);
    if (names.has(t.name))
      throw new SightlineError('ERR_INVALID_MESSAGE', `tools.${t.name}: registered twice`);
    names.add(t.name);
  }
  requireAssistant(ctx).registerTools(
    tools.map((t) => ({
      name: t.name,
      description: t.description,
      parameters: { ...t.parameters, type: 'object' },
    })),
  );
  return { registered: tools.length };
};
