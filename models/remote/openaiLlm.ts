import type OpenAI from 'openai';
import type { Llm, LlmMessage, LlmRequestOptions, LlmToken } from '../roles/llm.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { toChatMessages, toChatTools } from './chatMessages.js';
import { createOpenAiClient, displayUrl, type RemoteEndpointOptions, remoteError } from './client.js';
import { StallWatch } from './stallWatch.js';
import { ToolCallDeltas } from './toolCallDeltas.js';

export interface OpenAiLlmOptions extends RemoteEndpointOptions {
  /** Longest gap between two chunks of a streamed answer before it counts as stalled; default 15 s. */
  stallMs?: number;
}

/** Token counts of one request, as the server reported them. */
export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
}

export const DEFAULT_STALL_MS = 15_000;

/**
 * An LLM served by any OpenAI-compatible chat-completions server (vLLM,
 * llama.cpp server, Ollama, a hosted API), streamed. Images and frames go as
 * JPEG data URLs, each frame after a `Frame from mm:ss:` line; tools are
 * native. A tool call is yielded once, whole, as a token with `text: ''`
 * when the stream finishes. Every failure of the server (HTTP status,
 * unreachable, malformed stream, a stall longer than `stallMs`) is
 * ERR_REMOTE_MODEL naming the server; an abort is ERR_ABORTED.
 */
export class OpenAiLlm implements Llm {
  readonly name: string;
  readonly nativeTools = true;
  readonly visionEncoder = null;
  readonly #client: OpenAI;
  readonly #model: string;
  readonly #server: string;
  readonly #apiKey: string | undefined;
  readonly #stallMs: number;
  #lastUsage: LlmUsage | null = null;
  #disposed = false;

  constructor(options: OpenAiLlmOptions) {
    this.#server = displayUrl(options.baseUrl);
    this.#client = createOpenAiClient(options);
    this.#model = options.model;
    this.#apiKey = options.apiKey;
    this.#stallMs = options.stallMs ?? DEFAULT_STALL_MS;
    this.name = `openai:${options.model}`;
  }

  /** Token counts of the last request that finished, when its server reported them. */
  get lastUsage(): LlmUsage | null {
    return this.#lastUsage;
  }

  async *generate(messages: LlmMessage[], options: LlmRequestOptions = {}): AsyncGenerator<LlmToken> {
    if (this.#disposed) throw new ModelError('ERR_MODEL_DISPOSED', `${this.name} has been disposed`);
    const { signal } = options;
    throwIfAborted(signal);
    const wire = await toChatMessages(messages);
    throwIfAborted(signal);
    const stall = new StallWatch(this.#stallMs);
    const requestSignal = signal ? AbortSignal.any([signal, stall.signal]) : stall.signal;
    const tools = options.tools?.length ? toChatTools(options.tools) : undefined;
    const fail = (error: unknown): ModelError => {
      if (stall.stalled && !signal?.aborted) {
        return new ModelError(
          'ERR_REMOTE_MODEL',
          `LLM server ${this.#server} stopped sending for ${this.#stallMs} ms in the middle of an answer`,
        );
      }
      return remoteError('LLM', this.#server, error, { apiKey: this.#apiKey, signal });
    };

    const calls = new ToolCallDeltas();
    let finished = false;
    try {
      const stream = await this.#client.chat.completions
        .create(
          {
            model: this.#model,
            messages: wire,
            stream: true,
            stream_options: { include_usage: true },
            temperature: options.temperature ?? 0,
            ...(options.maxNewTokens !== undefined ? { max_tokens: options.maxNewTokens } : {}),
            ...(tools ? { tools } : {}),
          },
          { signal: requestSignal },
        )
        .catch((e: unknown) => {
          throw fail(e);
        });
      stall.kick();
      // The client ends the iteration quietly when the request is aborted: the checks after the loop tell why.
      for await (const chunk of stream) {
        stall.kick();
        throwIfAborted(signal);
        if (chunk.usage) {
          this.#lastUsage = {
            promptTokens: chunk.usage.prompt_tokens,
            completionTokens: chunk.usage.completion_tokens,
          };
        }
        const choice = chunk.choices?.[0];
        if (!choice) continue;
        for (const delta of choice.delta?.tool_calls ?? []) calls.add(delta);
        const text = choice.delta?.content;
        if (text) {
          stall.pause();
          yield { text };
          throwIfAborted(signal);
          stall.kick();
        }
        if (choice.finish_reason) {
          finished = true;
          if (choice.finish_reason === 'tool_calls') {
            stall.pause();
            yield* this.#toolTokens(calls, signal);
            stall.kick();
          }
        }
      }
      throwIfAborted(signal);
      if (stall.stalled) throw fail(new Error('stalled'));
      if (!finished) {
        throw new ModelError(
          'ERR_REMOTE_MODEL',
          `LLM server ${this.#server} ended the stream before the answer finished`,
        );
      }
      yield* this.#toolTokens(calls, signal);
    } catch (e) {
      throw fail(e);
    } finally {
      stall.stop();
    }
  }

  async *#toolTokens(calls: ToolCallDeltas, signal: AbortSignal | undefined): AsyncGenerator<LlmToken> {
    const { calls: complete, nameless } = calls.take();
    if (nameless > 0) {
      throw new ModelError(
        'ERR_REMOTE_MODEL',
        `LLM server ${this.#server} streamed ${nameless} tool call(s) without a function name`,
      );
    }
    for (const toolCall of complete) {
      throwIfAborted(signal);
      yield { text: '', toolCall };
    }
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
  }
}
