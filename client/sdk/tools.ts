import { SightlineError } from '../../protocol/errors.js';
import { BUILT_IN_TOOL_NAMES, MAX_CLIENT_TOOLS } from '../../protocol/limits.js';
import type { RequestData, ServerEventMap } from '../../protocol/wire.js';

/** A JSON Schema object describing a tool's arguments. */
export interface ToolParameters {
  type: 'object';
  properties?: Record<string, unknown>;
  required?: string[];
  [keyword: string]: unknown;
}

/**
 * A tool the app runs itself. The assistant calls it by name with arguments that
 * the server has checked against `parameters`; what the handler returns (any
 * JSON value) goes back to the model; a handler that throws reports a failure.
 */
export interface ClientTool<Args = Record<string, unknown>> {
  /** `^[a-zA-Z0-9_-]{1,64}$`, and not a built-in tool's name. */
  name: string;
  /** What the tool does, for the model. */
  description: string;
  parameters: ToolParameters;
  handler(args: Args): Promise<unknown> | unknown;
}

const NAME = /^[a-zA-Z0-9_-]{1,64}$/;
/** The longest failure message sent back (the protocol's bound). */
const MAX_ERROR_CHARS = 2000;

/** Checks tools as the server will and returns their wire form (without handlers). Throws ERR_INVALID_MESSAGE. */
export function toWireTools(tools: readonly ClientTool[]): RequestData<'registerTools'>['tools'] {
  if (tools.length > MAX_CLIENT_TOOLS) {
    throw new SightlineError('ERR_INVALID_MESSAGE', `tools: at most ${MAX_CLIENT_TOOLS} tools`);
  }
  const seen = new Set<string>();
  return tools.map((t, i) => {
    if (!NAME.test(t.name)) {
      throw new SightlineError('ERR_INVALID_MESSAGE', `tools.${i}.name: must match ${NAME.source}`);
    }
    if (BUILT_IN_TOOL_NAMES.includes(t.name)) {
      throw new SightlineError('ERR_INVALID_MESSAGE', `tools.${i}.name: "${t.name}" is a built-in tool`);
    }
    if (seen.has(t.name)) {
      throw new SightlineError('ERR_INVALID_MESSAGE', `tools.${i}.name: "${t.name}" is registered twice`);
    }
    seen.add(t.name);
    if (typeof t.handler !== 'function') {
      throw new SightlineError('ERR_INVALID_MESSAGE', `tools.${i}.handler: must be a function`);
    }
    if (t.parameters?.type !== 'object') {
      throw new SightlineError('ERR_INVALID_MESSAGE', `tools.${i}.parameters.type: must be "object"`);
    }
    return { name: t.name, description: t.description, parameters: t.parameters };
  });
}

/**
 * Runs one `tool_call` with the app's handler and returns the `toolResult` to
 * send: ok with the handler's value (as JSON), or not ok with the reason (an
 * unknown tool, a handler that threw, a value that is not JSON).
 */
export async function runToolCall(
  call: ServerEventMap['tool_call'],
  tools: ReadonlyMap<string, ClientTool>,
): Promise<RequestData<'toolResult'>> {
  const tool = tools.get(call.name);
  if (!tool) return { callId: call.callId, ok: false, error: `no tool named "${call.name}" is registered` };
  let value: unknown;
  try {
    value = await tool.handler((call.arguments ?? {}) as Record<string, unknown>);
  } catch (error) {
    return { callId: call.callId, ok: false, error: failureText(error) };
  }
  const json = toJsonValue(value);
  if (!json.ok) return { callId: call.callId, ok: false, error: json.error };
  return { callId: call.callId, ok: true, result: json.value };
}

/** A handler's value as plain JSON (undefined → null); a value JSON cannot hold (a cycle, a BigInt) is refused. */
export function toJsonValue(value: unknown): { ok: true; value: unknown } | { ok: false; error: string } {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    json = undefined;
  }
  if (value !== undefined && json === undefined) {
    return { ok: false, error: 'the tool returned a value that is not JSON' };
  }
  return { ok: true, value: json === undefined ? null : (JSON.parse(json) as unknown) };
}

/** Why a tool failed, as sent to the server (bounded by the protocol). */
export function failureText(error: unknown): string {
  const reason = error instanceof Error ? error.message : String(error);
  return (reason || 'the tool failed').slice(0, MAX_ERROR_CHARS);
}
