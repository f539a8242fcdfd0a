import type { PcmChunk } from '../../core/media.js';
import { chunkDurationMs } from '../../models/roles/pcm.js';
import type { Tts } from '../../models/roles/tts.js';
import { throwIfAborted } from '../../models/runtime/errors.js';
import { abortable } from '../core/abortable.js';
import type { Stage } from '../core/stage.js';
import { type SentenceSplitOptions, splitSentences } from './sentences.js';

/** A piece of the assistant's speech, with the sentence it speaks (to cut history to what was heard). */
export interface SpokenChunk extends PcmChunk {
  text: string;
  /** 0 for the first sentence of the utterance. */
  sentenceIndex: number;
}

export interface SpeakerOptions {
  tts: Tts;
  voice?: string;
  speed?: number;
  split?: SentenceSplitOptions;
}

/**
 * The speak stage: a stream of text (LLM tokens) in, speech out. Text is cut
 * into sentences as it arrives; each sentence is synthesized as soon as it is
 * complete, so the first one plays while the rest is still being written.
 * Output is at the TTS's native rate, `ptsMs` contiguous from 0 across
 * sentences. Text is pulled only when the next sentence is needed. On abort
 * the stage stops at once (even while waiting for text) with ERR_ABORTED.
 * Reports one `tts` metric per sentence.
 */
export function speaker(options: SpeakerOptions): Stage<string, SpokenChunk> {
  const { tts } = options;
  return async function* speak(text, ctx) {
    let offsetMs = 0;
    let sentenceIndex = 0;
    for await (const sentence of splitSentences(abortable(text, ctx.signal, ctx.log), options.split)) {
      throwIfAborted(ctx.signal);
      const startMs = ctx.clock.nowMs();
      let firstMs: number | null = null;
      let audioMs = 0;
      let cancelled = true;
      try {
        const audio = tts.synthesize(sentence, {
          voice: options.voice,
          speed: options.speed,
          signal: ctx.signal,
        });
        for await (const chunk of audio) {
          throwIfAborted(ctx.signal);
          firstMs ??= ctx.clock.nowMs();
          audioMs = Math.max(audioMs, chunk.ptsMs + chunkDurationMs(chunk));
          yield { ...chunk, ptsMs: offsetMs + chunk.ptsMs, text: sentence, sentenceIndex };
        }
        cancelled = false;
      } finally {
        const endMs = ctx.clock.nowMs();
        ctx.metrics.emit({
          type: 'tts',
          atMs: endMs,
          label: tts.name,
          requestId: `sentence-${sentenceIndex}`,
          ttfbMs: (firstMs ?? endMs) - startMs,
          durationMs: endMs - startMs,
          audioDurationMs: audioMs,
          characters: sentence.length,
          cancelled,
        });
        offsetMs += audioMs;
        sentenceIndex++;
      }
    }
  };
}
