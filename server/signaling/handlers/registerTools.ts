import { Ajv } from 'ajv';
import { SightlineError } from '../../../protocol/errors.js';
import { BUILT_IN_TOOL_NAMES } from '../../../protocol/messages.js';
import { requireAssistant } from './requireAssistant.js';
import type { Handler } from './types.js';

/** Checks schemas against the JSON Schema meta-schema only (nothing is compiled or kept). */
const ajv = new Ajv({ strict: false });

export const registerTools: Handler<'registerTools'> = async (ctx, { tools }) => {
  const assistant = requireAssistant(ctx);
  const seen = new Set<string>();
  for (const [i, t] of tools.entries()) {
    if (BUILT_IN_TOOL_NAMES.includes(t.name))
      throw new SightlineError('ERR_INVALID_MESSAGE', `tools.${i}.name: "${t.name}" is a built-in tool`);
    if (seen.has(t.name))
      throw new SightlineError('ERR_INVALID_MESSAGE', `tools.${i}.name: "${t.name}" is registered twice`);
    seen.add(t.name);
    if (!ajv.validateSchema(t.parameters))
      throw new SightlineError('ERR_INVALID_MESSAGE', `tools.${i}.parameters: not a valid JSON Schema`);
  }
  assistant.registerTools(
    tools.map((t) => ({ name: t.name, description: t.description, parameters: { ...t.parameters } })),
  );
  return { registered: tools.length };
};
