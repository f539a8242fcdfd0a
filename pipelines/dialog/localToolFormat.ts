import type { LlmToken, LlmTool, LlmToolCall } from '../../models/roles/llm.js';

const OPEN = '<tool_call>';
const CLOSE = '</tool_call>';

/**
 * The system prompt's tool section for a backend without native tool calling:
 * the tools as JSON Schema and the one format a call may take.
 */
export function describeToolsForPrompt(tools: readonly LlmTool[]): string | null {
  if (tools.length === 0) return null;
  const list = tools
    .map((t) => `- ${t.name}: ${t.description}\n  arguments (JSON Schema): ${JSON.stringify(t.parameters)}`)
    .join('\n');
  return [
    'You can use these tools:',
    list,
    'To use one, write exactly one line and nothing after it:',
    `${OPEN}{"name": "TOOL_NAME", "arguments": {...}}${CLOSE}`,
    'You will be given its result, then answer. Do not write a tool call for anything else.',
  ].join('\n');
}

/** What the scanner finds in the model's text. */
export type ScannedItem =
  | { type: 'text'; text: string }
  | { type: 'call'; call: LlmToolCall }
  /** A malformed call: never run; `raw` is what the model wrote between the tags. */
  | { type: 'invalid'; reason: string; raw: string };

/** Parses the text between the tags strictly: `{"name": string, "arguments": object}` and nothing else. */
export function parseToolCall(raw: string, id: string): LlmToolCall | { reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { reason: 'the tool call is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { reason: 'the tool call must be a JSON object' };
  }
  const { name, arguments: args, ...extra } = value as Record<string, unknown>;
  if (typeof name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
    return { reason: 'the tool call needs a "name" string' };
  }
  if (typeof args !== 'object' || args === null || Array.isArray(args)) {
    return { reason: 'the tool call needs an "arguments" object' };
  }
  if (Object.keys(extra).length > 0)
    return { reason: 'the tool call has fields other than name and arguments' };
  return { id, name, arguments: JSON.stringify(args) };
}

/** Length of the longest suffix of `s` that is a proper prefix of `tag`. */
function partialTagAt(s: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, s.length); n > 0; n--) if (s.endsWith(tag.slice(0, n))) return n;
  return 0;
}

/**
 * Watches the token stream of a backend without native tools. Text before a
 * `<tool_call>` passes on as soon as it cannot be the start of the tag; the
 * call is parsed strictly once `</tool_call>` arrives. The first call (or
 * malformed call, or a stream that ends inside one) ends the scan: the model's
 * stream is closed and nothing after it is read. A token that carries a native
 * tool call passes through as a call.
 */
export async function* scanToolCalls(
  tokens: AsyncIterable<LlmToken>,
  callId: string,
): AsyncGenerator<ScannedItem> {
  let buf = '';
  let inCall = false;
  for await (const token of tokens) {
    if (token.toolCall) {
      if (buf !== '' && !inCall) yield { type: 'text', text: buf };
      yield { type: 'call', call: token.toolCall };
      return;
    }
    buf += token.text;
    if (!inCall) {
      const at = buf.indexOf(OPEN);
      if (at < 0) {
        const keep = partialTagAt(buf, OPEN);
        const out = buf.slice(0, buf.length - keep);
        buf = buf.slice(buf.length - keep);
        if (out !== '') yield { type: 'text', text: out };
        continue;
      }
      if (at > 0) yield { type: 'text', text: buf.slice(0, at) };
      buf = buf.slice(at + OPEN.length);
      inCall = true;
    }
    const end = buf.indexOf(CLOSE);
    if (end < 0) continue;
    const raw = buf.slice(0, end).trim();
    const parsed = parseToolCall(raw, callId);
    yield 'reason' in parsed
      ? { type: 'invalid', reason: parsed.reason, raw }
      : { type: 'call', call: parsed };
    return;
  }
  if (inCall) yield { type: 'invalid', reason: 'the tool call was not closed', raw: buf.trim() };
  else if (buf !== '') yield { type: 'text', text: buf };
}
