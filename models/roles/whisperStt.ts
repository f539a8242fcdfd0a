import type { Logger } from '../../core/log.js';
import type { PcmChunk } from '../../core/media.js';
import { int16ToFloat32 } from '../audio/pcm.js';
import type { SessionThreads } from '../runtime/onnxModel.js';
import { WhisperRunner } from '../stt/whisper.js';
import { chunkDurationMs, requireRate } from './pcm.js';
import type { Stt, SttResult, TranscribeRequestOptions } from './stt.js';

/** Whisper as the STT role: utterances of any length, segment times on the call's timeline. */
export class WhisperStt implements Stt {
  readonly name = 'whisper';
  readonly sampleRateHz = 16000;
  readonly #runner: WhisperRunner;

  constructor(runner: WhisperRunner) {
    this.#runner = runner;
  }

  static async load(dir: string, options: { threads?: SessionThreads; log?: Logger } = {}) {
    return new WhisperStt(await WhisperRunner.load(dir, options));
  }

  async transcribe(utterance: PcmChunk, options: TranscribeRequestOptions = {}): Promise<SttResult> {
    requireRate(utterance, this.sampleRateHz, 'whisper');
    if (utterance.samples.length === 0) return { text: '', segments: [] };
    const t = await this.#runner.transcribeLong(int16ToFloat32(utterance.samples), {
      language: options.language,
      signal: options.signal,
      offsetMs: utterance.ptsMs,
    });
    // Whisper sees its input padded to 30 s: times past the audio are padding.
    const endMs = utterance.ptsMs + chunkDurationMs(utterance);
    const clamp = (ms: number) => Math.min(endMs, Math.max(utterance.ptsMs, ms));
    return {
      text: t.text,
      segments: t.segments.map((s) => ({ startMs: clamp(s.startMs), endMs: clamp(s.endMs), text: s.text })),
    };
  }

  dispose(): Promise<void> {
    return this.#runner.dispose();
  }
}
