import type OpenAI from 'openai';
import type { PcmChunk } from '../../core/media.js';
import type { SynthesizeOptions, Tts } from '../roles/tts.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { hasSpeech } from '../tts/chunks.js';
import { createOpenAiClient, displayUrl, type RemoteEndpointOptions, remoteError } from './client.js';
import { DEFAULT_STALL_MS } from './openaiLlm.js';
import { PcmAssembler } from './pcmAssembler.js';
import { StallWatch } from './stallWatch.js';

export interface OpenAiTtsOptions extends RemoteEndpointOptions {
  /** The server's voice id (`alloy`, `af_heart`, …); `SynthesizeOptions.voice` overrides it per text. */
  voice: string;
  /**
   * Rate of the server's raw `pcm` answer: 24 kHz as OpenAI documents (and
   * Kokoro-FastAPI, Speaches follow); set it for a server that differs.
   */
  sampleRateHz?: number;
  /** Longest gap between two pieces of the audio before it counts as stalled; default 15 s. */
  stallMs?: number;
}

/**
 * Text to speech on any OpenAI-compatible `/audio/speech` server. Asks for
 * raw `pcm` (s16le mono) and hands the audio out as the body arrives, in
 * pieces of at most TTS_CHUNK_MS; a server that answers WAV instead is read
 * too (header parsed, stereo mixed down), as long as its rate is this TTS's.
 */
export class OpenAiTts implements Tts {
  readonly name: string;
  readonly sampleRateHz: number;
  readonly #client: OpenAI;
  readonly #model: string;
  readonly #voice: string;
  readonly #server: string;
  readonly #apiKey: string | undefined;
  readonly #stallMs: number;
  #disposed = false;

  constructor(options: OpenAiTtsOptions) {
    this.#server = displayUrl(options.baseUrl);
    this.#client = createOpenAiClient(options);
    this.#model = options.model;
    this.#voice = options.voice;
    this.#apiKey = options.apiKey;
    this.#stallMs = options.stallMs ?? DEFAULT_STALL_MS;
    this.sampleRateHz = options.sampleRateHz ?? 24000;
    this.name = `openai:${options.model}`;
  }

  async *synthesize(text: string, options: SynthesizeOptions = {}): AsyncGenerator<PcmChunk> {
    if (this.#disposed) throw new ModelError('ERR_MODEL_DISPOSED', `${this.name} has been disposed`);
    if (!hasSpeech(text)) return;
    const { signal } = options;
    throwIfAborted(signal);
    const stall = new StallWatch(this.#stallMs);
    const requestSignal = signal ? AbortSignal.any([signal, stall.signal]) : stall.signal;
    const fail = (error: unknown): ModelError => {
      if (stall.stalled && !signal?.aborted) {
        return new ModelError(
          'ERR_REMOTE_MODEL',
          `TTS server ${this.#server} stopped sending audio for ${this.#stallMs} ms`,
        );
      }
      return remoteError('TTS', this.#server, error, { apiKey: this.#apiKey, signal });
    };
    try {
      const response = await this.#client.audio.speech
        .create(
          {
            model: this.#model,
            voice: options.voice ?? this.#voice,
            input: text,
            response_format: 'pcm',
            ...(options.speed !== undefined ? { speed: options.speed } : {}),
          },
          { signal: requestSignal },
        )
        .catch((e: unknown) => {
          throw fail(e);
        });
      if (!response.body)
        throw new ModelError('ERR_REMOTE_MODEL', `TTS server ${this.#server} sent no audio`);
      const isWav = /wav/i.test(response.headers.get('content-type') ?? '');
      const audio = new PcmAssembler(this.sampleRateHz, `TTS server ${this.#server}`, isWav);
      stall.kick();
      for await (const bytes of bodyChunks(response.body)) {
        stall.kick();
        throwIfAborted(signal);
        for (const chunk of audio.push(bytes)) {
          stall.pause();
          yield chunk;
          throwIfAborted(signal);
          stall.kick();
        }
      }
      throwIfAborted(signal);
    } catch (e) {
      throw fail(e);
    } finally {
      stall.stop();
    }
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
  }
}

/** The pieces of a response body as they arrive; leaving early cancels the body (and its request). */
async function* bodyChunks(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let done = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      yield next.value;
    }
    done = true;
  } finally {
    // Leaving early releases the connection. On a body that already failed the cancel rejects with
    // that same failure, which is being thrown now: nothing new to report.
    if (!done) await reader.cancel().catch((sameFailure: unknown) => sameFailure);
    reader.releaseLock();
  }
}
