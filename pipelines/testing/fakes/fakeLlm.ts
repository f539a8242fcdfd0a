import type { Llm, LlmMessage, LlmRequestOptions, LlmToken } from '../../../models/roles/llm.js';
import { FakeCall, type FakeTiming } from './timing.js';

export interface FakeLlmOptions extends FakeTiming {
  /** The answer, or how to answer a request. Split into tokens at word starts. */
  reply?: string | ((messages: LlmMessage[]) => string);
}

/** A scripted language model: streams its reply word by word, with timing knobs; records every request. */
export class FakeLlm implements Llm {
  readonly name = 'fake-llm';
  readonly nativeTools = false;
  readonly visionEncoder: string | null = null;
  readonly requests: { messages: LlmMessage[]; options: LlmRequestOptions }[] = [];
  readonly #o: FakeLlmOptions;

  constructor(options: FakeLlmOptions = {}) {
    this.#o = options;
  }

  async *generate(messages: LlmMessage[], options: LlmRequestOptions = {}): AsyncGenerator<LlmToken> {
    this.requests.push({ messages, options });
    const call = new FakeCall(this.#o, this.requests.length, options.signal);
    const reply = typeof this.#o.reply === 'function' ? this.#o.reply(messages) : (this.#o.reply ?? 'OK.');
    const tokens = reply.match(/\s*\S+/g) ?? [];
    for (const text of tokens.slice(0, options.maxNewTokens ?? 256)) {
      await call.beforeItem();
      yield { text };
    }
    call.end();
  }

  async dispose(): Promise<void> {}
}
