import type { PcmChunk } from '../../core/media.js';
import { chunkDurationMs } from '../../models/roles/pcm.js';
import type { Stt } from '../../models/roles/stt.js';
import { SightlineError } from '../../protocol/errors.js';
import { sleep } from '../core/sleep.js';
import type { StageContext } from '../core/stage.js';
import type { TranscriptEvent } from './events.js';
import { toRate } from './toRate.js';
import type { TurnEvent } from './turnDetector.js';

export interface TranscriberOptions {
  stt: Stt;
  /** The call's audio from `fromMs` to `toMs` on the audio timeline (the listener's ring). */
  audio: (fromMs: number, toMs: number) => PcmChunk;
  /** Where transcripts go, in the order they are ready. */
  emit: (event: TranscriptEvent) => void;
  /** New audio (ms) an utterance must gain before it is decoded again for a partial; default 700. */
  partialIntervalMs?: number;
  /**
   * At a pause (`speech-stopped`), decode the speech so far once more when at
   * least this much of it is not in the last partial, so the words the turn
   * detector reads include the last ones; default 100 ms. Infinity: never.
   */
  pausePartialMinMs?: number;
  /** How long the final waits for an aborted partial to let go before starting anyway; default 250 ms. */
  abortGraceMs?: number;
  /** An ISO 639-1 code for the STT; its default when absent. */
  language?: string;
}

/** The utterance being heard: speech-started to end-of-turn. */
interface Utterance {
  id: string;
  audioStartMs: number;
  onsetMs: number;
  /** End of the audio the last partial decode read. */
  decodedToMs: number;
  /** The latest partial's text. */
  words: string;
  partials: number;
  /** The audio kept when the timeline broke under it (the ring restarts on the new one). */
  snapshot?: PcmChunk;
}

interface Decode {
  controller: AbortController;
  /** Settles (never rejects) when the decode has let go. */
  done: Promise<void>;
}

/**
 * Turns one call's turn events and audio into transcripts: partials while the
 * person speaks (the growing utterance, from `audioStartMs`, decoded again
 * each `partialIntervalMs` of new audio), and one final per utterance the
 * moment its end-of-turn arrives. At most one decode is in flight: a partial
 * still running at end-of-turn is aborted (its result dropped) and the final
 * starts as soon as it lets go (at most `abortGraceMs`). Finals run in order.
 * Reports `stt` per decode and `eou` per final.
 */
export class Transcriber {
  readonly #o: Required<Omit<TranscriberOptions, 'language'>> & { language?: string };
  readonly #ctx: StageContext;
  #utterance: Utterance | undefined;
  #decode: Decode | undefined;
  #count = 0;
  #audioEndMs = 0;
  /** Start of the pause (audio timeline) whose speech before it is not all decoded yet. */
  #pauseAtMs: number | undefined;
  #finals: Promise<void> = Promise.resolve();
  #finalsPending = 0;

  constructor(options: TranscriberOptions, ctx: StageContext) {
    this.#o = {
      ...options,
      partialIntervalMs: options.partialIntervalMs ?? 700,
      pausePartialMinMs: options.pausePartialMinMs ?? 100,
      abortGraceMs: options.abortGraceMs ?? 250,
    };
    this.#ctx = ctx;
    for (const k of ['partialIntervalMs', 'pausePartialMinMs', 'abortGraceMs'] as const) {
      const v = this.#o[k];
      if (!(v >= 0) || (k === 'partialIntervalMs' && v === 0)) {
        throw new SightlineError('ERR_INVALID_ARGUMENT', `transcriber: ${k} must be > 0, got ${v}`);
      }
    }
  }

  /** The latest partial text of the utterance being heard ('' between utterances): the turn detector's hint. */
  words(): string {
    return this.#utterance?.words ?? '';
  }

  /** Audio up to `endMs` (audio timeline) is now in the ring. */
  onAudio(endMs: number): void {
    this.#audioEndMs = endMs;
    this.#maybePartial();
  }

  /** The timeline is about to restart: keep the open utterance's audio for its final. */
  onTimelineBreak(): void {
    const u = this.#utterance;
    if (u) u.snapshot = this.#o.audio(u.audioStartMs, this.#audioEndMs);
  }

  /** Follows the turn detector: opens an utterance, asks for a partial at a pause, finishes at end-of-turn. */
  onTurnEvent(event: TurnEvent): void {
    if (event.type === 'speech-started') {
      this.#pauseAtMs = undefined;
      this.#utterance ??= {
        id: `utt-${++this.#count}`,
        audioStartMs: event.audioStartMs,
        onsetMs: event.ptsMs,
        decodedToMs: event.audioStartMs,
        words: '',
        partials: 0,
      };
      this.#maybePartial();
    } else if (event.type === 'speech-stopped') {
      this.#pauseAtMs = event.ptsMs;
      this.#maybePartial();
    } else {
      const u = this.#utterance;
      if (!u) return;
      this.#utterance = undefined;
      this.#pauseAtMs = undefined;
      this.#decode?.controller.abort();
      this.#finalsPending++;
      const decidedAtClockMs = this.#ctx.clock.nowMs();
      // Copied now: the ring may restart (a new timeline) before an earlier final is done.
      const audio = u.snapshot ?? this.#o.audio(u.audioStartMs, event.atMs);
      this.#finals = this.#finals.then(() => this.#final(u, audio, event, decidedAtClockMs));
    }
  }

  /** Resolves once every final asked for has been emitted (or given up on abort). */
  drain(): Promise<void> {
    return this.#finals;
  }

  /** Stops any decode in flight (the listener is closing). */
  abort(): void {
    this.#decode?.controller.abort();
  }

  #maybePartial(): void {
    const u = this.#utterance;
    if (!u || this.#decode || this.#finalsPending > 0 || this.#ctx.signal.aborted) return;
    const newMs = this.#audioEndMs - u.decodedToMs;
    const undecodedSpeechMs = (this.#pauseAtMs ?? u.decodedToMs) - u.decodedToMs;
    const due = newMs >= this.#o.partialIntervalMs || undecodedSpeechMs >= this.#o.pausePartialMinMs;
    if (!due) return;
    const toMs = this.#audioEndMs;
    if (toMs >= (this.#pauseAtMs ?? toMs)) this.#pauseAtMs = undefined;
    u.decodedToMs = toMs;
    const requestId = `${u.id}/partial-${++u.partials}`;
    const decode = this.#run(requestId, this.#o.audio(u.audioStartMs, toMs), (text) => {
      if (this.#utterance !== u) return;
      u.words = text;
      this.#o.emit({
        type: 'transcript',
        utteranceId: u.id,
        text,
        final: false,
        startMs: u.onsetMs,
        endMs: toMs,
        atMs: this.#ctx.clock.nowMs(),
      });
    });
    this.#decode = decode;
    void decode.done.then(() => {
      if (this.#decode === decode) this.#decode = undefined;
      this.#maybePartial();
    });
  }

  async #final(
    u: Utterance,
    audio: PcmChunk,
    eot: Extract<TurnEvent, { type: 'end-of-turn' }>,
    decidedAtClockMs: number,
  ): Promise<void> {
    try {
      const running = this.#decode;
      if (running) {
        const grace = new AbortController();
        const timedOut = sleep(this.#ctx.clock, this.#o.abortGraceMs, grace.signal).then(
          () => true,
          () => false,
        );
        const late = await Promise.race([running.done.then(() => false), timedOut]);
        grace.abort();
        if (late) this.#ctx.log.warn('an aborted partial decode did not stop; the final starts beside it');
      }
      if (this.#ctx.signal.aborted) return;
      let failure: SightlineError | undefined;
      let text = '';
      const decode = this.#run(
        `${u.id}/final`,
        audio,
        (t) => {
          text = t;
        },
        (error) => {
          failure = error;
        },
      );
      this.#decode = decode;
      await decode.done;
      if (this.#decode === decode) this.#decode = undefined;
      if (this.#ctx.signal.aborted) return;
      const event: TranscriptEvent = {
        type: 'transcript',
        utteranceId: u.id,
        text,
        final: true,
        startMs: u.onsetMs,
        endMs: eot.speechEndMs,
        atMs: this.#ctx.clock.nowMs(),
      };
      if (failure) event.error = failure.toWire();
      this.#o.emit(event);
      const endOfUtteranceDelayMs = eot.atMs - eot.speechEndMs;
      this.#ctx.metrics.emit({
        type: 'eou',
        atMs: event.atMs,
        label: this.#o.stt.name,
        endOfUtteranceDelayMs,
        transcriptionDelayMs: endOfUtteranceDelayMs + (event.atMs - decidedAtClockMs),
      });
    } finally {
      this.#finalsPending--;
      this.#maybePartial();
    }
  }

  /**
   * Starts one decode. `onText` gets the trimmed text when it succeeds; a failure that
   * is not an abort is logged and given to `onError`. The returned `done` never rejects.
   */
  #run(
    requestId: string,
    audio: PcmChunk,
    onText: (text: string) => void,
    onError?: (error: SightlineError) => void,
  ): Decode {
    const controller = new AbortController();
    const signal = AbortSignal.any([this.#ctx.signal, controller.signal]);
    const stt = this.#o.stt;
    const done = (async () => {
      const startedMs = this.#ctx.clock.nowMs();
      try {
        const utterance = await toRate(audio, stt.sampleRateHz, { signal, log: this.#ctx.log });
        const result = await stt.transcribe(utterance, { language: this.#o.language, signal });
        signal.throwIfAborted();
        this.#ctx.metrics.emit({
          type: 'stt',
          atMs: this.#ctx.clock.nowMs(),
          label: stt.name,
          requestId,
          durationMs: this.#ctx.clock.nowMs() - startedMs,
          audioDurationMs: chunkDurationMs(utterance),
        });
        onText(result.text.trim());
      } catch (error) {
        if (signal.aborted) return;
        this.#ctx.log.warn('transcription failed', { error, requestId, model: stt.name });
        onError?.(
          error instanceof SightlineError
            ? error
            : new SightlineError('ERR_MODEL_RUN', 'transcription failed', { cause: error }),
        );
      }
    })();
    return { controller, done };
  }
}
