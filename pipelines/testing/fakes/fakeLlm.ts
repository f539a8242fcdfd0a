import type { Llm, LlmMessage, LlmRequestOptions, LlmToken } from '../../../models/roles/llm.js';
import { FakeCall, type FakeTiming } from './timing.js';

/**
 * One step of a scripted answer: text (split into tokens at word starts) or a
 * tool call. A call is one token carrying `toolCall` when `nativeTools` is on;
 * otherwise it is written as text in the local format
 * (`<tool_call>{"name": …, "arguments": …}</tool_call>`), one token.
 */
export type FakeLlmStep = { text: string } | { toolCall: { name: string; arguments: unknown } };

/** An answer: plain text, or steps. */
export type FakeLlmReply = string | FakeLlmStep[];

export interface FakeLlmOptions extends FakeTiming {
  /** The answer, or how to answer a request (`index` counts requests from 0). */
  reply?: FakeLlmReply | ((messages: LlmMessage[], index: number) => FakeLlmReply);
  /** Whether the fake takes `tools` and returns calls itself (default false: the local text format). */
  nativeTools?: boolean;
}

/** A scripted language model: streams its reply word by word, with timing knobs; records every request. */
export class FakeLlm implements Llm {
  readonly name = 'fake-llm';
  readonly nativeTools: boolean;
  readonly visionEncoder: string | null = null;
  readonly requests: { messages: LlmMessage[]; options: LlmRequestOptions }[] = [];
  readonly #o: FakeLlmOptions;
  #callIds = 0;

  constructor(options: FakeLlmOptions = {}) {
    this.#o = options;
    this.nativeTools = options.nativeTools ?? false;
  }

  async *generate(messages: LlmMessage[], options: LlmRequestOptions = {}): AsyncGenerator<LlmToken> {
    this.requests.push({ messages, options });
    const index = this.requests.length - 1;
    const call = new FakeCall(this.#o, this.requests.length, options.signal);
    const reply =
      typeof this.#o.reply === 'function' ? this.#o.reply(messages, index) : (this.#o.reply ?? 'OK.');
    const steps: FakeLlmStep[] = typeof reply === 'string' ? [{ text: reply }] : reply;
    const tokens: LlmToken[] = [];
    for (const step of steps) {
      if ('text' in step) for (const text of step.text.match(/\s*\S+/g) ?? []) tokens.push({ text });
      else if (this.nativeTools) {
        const id = `fake-call-${++this.#callIds}`;
        tokens.push({
          text: '',
          toolCall: { id, name: step.toolCall.name, arguments: JSON.stringify(step.toolCall.arguments) },
        });
      } else {
        tokens.push({ text: `<tool_call>${JSON.stringify(step.toolCall)}</tool_call>` });
      }
    }
    for (const token of tokens.slice(0, options.maxNewTokens ?? 256)) {
      await call.beforeItem();
      yield token;
    }
    call.end();
  }

  async dispose(): Promise<void> {}
}
