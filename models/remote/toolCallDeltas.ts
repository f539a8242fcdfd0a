import type { LlmToolCall } from '../roles/llm.js';

/** One streamed piece of a tool call, as chat-completions chunks carry it. */
export interface ToolCallDelta {
  index: number;
  id?: string | null;
  function?: { name?: string | null; arguments?: string | null } | null;
}

interface Partial {
  id: string;
  name: string;
  arguments: string;
}

/**
 * Puts tool calls back together from their deltas. A server streams each call
 * as pieces keyed by `index`: the id and name usually come first, the
 * arguments JSON in fragments after (vLLM, OpenAI); some send a call whole in
 * one delta (Ollama). A repeated id or name replaces the first, never extends
 * it. `take()` hands out the complete calls in index order.
 */
export class ToolCallDeltas {
  readonly #calls = new Map<number, Partial>();

  add(delta: ToolCallDelta): void {
    const call = this.#calls.get(delta.index) ?? { id: '', name: '', arguments: '' };
    if (delta.id) call.id = delta.id;
    if (delta.function?.name) call.name = delta.function.name;
    if (delta.function?.arguments) call.arguments += delta.function.arguments;
    this.#calls.set(delta.index, call);
  }

  get size(): number {
    return this.#calls.size;
  }

  /**
   * The calls gathered so far, in index order, and forgets them. A call
   * without a name is returned in `nameless` (the server broke the format).
   */
  take(): { calls: LlmToolCall[]; nameless: number } {
    const calls: LlmToolCall[] = [];
    let nameless = 0;
    for (const [index, c] of [...this.#calls].sort((a, b) => a[0] - b[0])) {
      if (c.name === '') nameless++;
      else calls.push({ id: c.id || `call_${index}`, name: c.name, arguments: c.arguments });
    }
    this.#calls.clear();
    return { calls, nameless };
  }
}
