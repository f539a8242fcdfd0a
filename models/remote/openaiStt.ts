import type OpenAI from 'openai';
import { APIError, toFile } from 'openai';
import type { PcmChunk } from '../../core/media.js';
import { chunkDurationMs, requireRate } from '../roles/pcm.js';
import type { Stt, SttResult, SttSegment, TranscribeRequestOptions } from '../roles/stt.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { createOpenAiClient, displayUrl, type RemoteEndpointOptions, remoteError } from './client.js';
import { encodeWav } from './wav.js';

export type OpenAiSttOptions = RemoteEndpointOptions;

/** What a transcription answer may hold: `text` always, `segments` (seconds from the file start) with verbose_json. */
interface TranscriptionBody {
  text?: unknown;
  segments?: { start?: unknown; end?: unknown; text?: unknown }[];
}

/**
 * Speech to text on any OpenAI-compatible `/audio/transcriptions` server
 * (OpenAI, faster-whisper-server / Speaches, whisper.cpp server, vLLM). The
 * utterance goes up as a 16-bit mono WAV file; segments come from
 * `verbose_json`, or, from a server that refuses it or answers plain `json`,
 * one segment spanning the utterance. Times are put on the call's timeline
 * (the utterance's `ptsMs` plus the server's offsets, kept inside the span).
 */
export class OpenAiStt implements Stt {
  readonly name: string;
  readonly sampleRateHz = 16000;
  readonly #client: OpenAI;
  readonly #model: string;
  readonly #server: string;
  readonly #apiKey: string | undefined;
  /** False once the server refused verbose_json: later requests ask for plain json. */
  #verbose = true;
  #disposed = false;

  constructor(options: OpenAiSttOptions) {
    this.#server = displayUrl(options.baseUrl);
    this.#client = createOpenAiClient(options);
    this.#model = options.model;
    this.#apiKey = options.apiKey;
    this.name = `openai:${options.model}`;
  }

  async transcribe(utterance: PcmChunk, options: TranscribeRequestOptions = {}): Promise<SttResult> {
    if (this.#disposed) throw new ModelError('ERR_MODEL_DISPOSED', `${this.name} has been disposed`);
    requireRate(utterance, this.sampleRateHz, this.name);
    throwIfAborted(options.signal);
    if (utterance.samples.length === 0) return { text: '', segments: [] };
    const wav = encodeWav(utterance.samples, utterance.sampleRateHz);
    let body: TranscriptionBody;
    try {
      body = await this.#request(wav, options, this.#verbose);
    } catch (e) {
      // A server without verbose_json says so with a 400; ask once more for plain json, and remember.
      if (!(this.#verbose && e instanceof APIError && e.status === 400) || options.signal?.aborted) {
        throw remoteError('STT', this.#server, e, { apiKey: this.#apiKey, signal: options.signal });
      }
      this.#verbose = false;
      try {
        body = await this.#request(wav, options, false);
      } catch (e2) {
        throw remoteError('STT', this.#server, e2, { apiKey: this.#apiKey, signal: options.signal });
      }
    }
    throwIfAborted(options.signal);
    return this.#toResult(body, utterance);
  }

  async #request(
    wav: Buffer,
    options: TranscribeRequestOptions,
    verbose: boolean,
  ): Promise<TranscriptionBody> {
    const file = await toFile(wav, 'utterance.wav', { type: 'audio/wav' });
    return (await this.#client.audio.transcriptions.create(
      {
        file,
        model: this.#model,
        response_format: verbose ? 'verbose_json' : 'json',
        ...(verbose ? { timestamp_granularities: ['segment' as const] } : {}),
        ...(options.language ? { language: options.language } : {}),
        temperature: 0,
      },
      { signal: options.signal },
    )) as TranscriptionBody;
  }

  #toResult(body: TranscriptionBody, utterance: PcmChunk): SttResult {
    if (typeof body.text !== 'string') {
      throw new ModelError('ERR_REMOTE_MODEL', `STT server ${this.#server} answered without a text`);
    }
    const text = body.text.trim();
    const startMs = utterance.ptsMs;
    const endMs = startMs + chunkDurationMs(utterance);
    if (!Array.isArray(body.segments)) {
      return { text, segments: text ? [{ startMs, endMs, text }] : [] };
    }
    const segments: SttSegment[] = [];
    let lastMs = startMs;
    for (const s of body.segments) {
      const words = typeof s.text === 'string' ? s.text.trim() : '';
      if (!words || typeof s.start !== 'number' || typeof s.end !== 'number') continue;
      // Kept inside the span and in order: a server's rounding may overshoot the end by a frame.
      const segStartMs = Math.min(endMs, Math.max(lastMs, startMs + s.start * 1000));
      const segEndMs = Math.min(endMs, Math.max(segStartMs, startMs + s.end * 1000));
      segments.push({ startMs: segStartMs, endMs: segEndMs, text: words });
      lastMs = segEndMs;
    }
    return { text, segments };
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
  }
}
