import type { CancelTimer, Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { PcmChunk } from '../../core/media.js';
import type { AudioOutput, Playback, PlaybackResult } from '../../core/playback.js';
import { chunkDurationMs } from '../../models/roles/pcm.js';
import type { Metrics, MetricsSink } from '../core/metrics.js';
import type { TurnScope } from '../core/scope.js';
import type { Stage, StageContext } from '../core/stage.js';
import type { EchoGuard } from '../listen/events.js';
import type { SpokenChunk } from '../speak/speaker.js';
import { SpokenTrack } from './spokenText.js';
import type { TextTape } from './textTape.js';

/** How a turn's answer becomes sound in the call. */
export interface TurnSpeechDeps {
  /** Text → speech at the TTS's rate (the speaker stage). */
  speak: Stage<string, SpokenChunk>;
  /** Speech → the sink's rate (a resampler with the call's warm converters). */
  resample: (input: AsyncIterable<PcmChunk>, ctx: StageContext) => AsyncIterable<PcmChunk>;
  output: AudioOutput;
  echo: EchoGuard | null;
  clock: Clock;
  log: Logger;
  metrics: MetricsSink;
  /** How often playback progress is read (reply events, echo notes, the first packet). */
  progressIntervalMs: number;
  /** A playback ended: a good moment for slow housekeeping (warming the next converter). */
  onPlaybackEnded?: () => void;
}

/** How a turn ended. */
export interface TurnOutcome {
  /** What was heard: the history keeps this. */
  heardText: string;
  playedMs: number;
  interrupted: boolean;
  /** A model or playback failure that ended it early. */
  error: Error | null;
}

/** What a turn reports while it speaks. */
export interface TurnCallbacks {
  /** Cumulative heard text and played ms of the turn. */
  reply(text: string, playedMs: number): void;
  /** The turn's first audio packet left at clock time `atMs`. */
  firstAudio(atMs: number): void;
  /** Every metric of the speaking (the first `tts` one gives TTS's first-audio time). */
  metric(m: Metrics): void;
  finished(outcome: TurnOutcome): void;
}

interface Speech {
  controller: AbortController;
  /** `stop` cut it (the turn may resume). */
  stopped: boolean;
  track: SpokenTrack;
  playback: Playback;
  /** Sent chunks not yet told to the echo guard (their send time is known once the first packet left). */
  unnoted: { chunk: PcmChunk; offsetMs: number }[];
  ended: Promise<void>;
}

const join = (a: string, b: string) => [a, b].filter((s) => s !== '').join(' ');

/**
 * The speaking half of one assistant turn: the answer (recorded on a tape)
 * through the speaker, the resampler and the sink, with what was heard
 * tracked per sentence. `stop` cuts the audio at the next packet and keeps
 * the answer's place; `resume` speaks again from the cut sentence (a false
 * interruption); `abort` ends the turn (the LLM too) and reports what was
 * heard, never the planned rest.
 */
export class AssistantTurn {
  readonly id: string;
  readonly #d: TurnSpeechDeps;
  readonly #scope: TurnScope;
  readonly #tape: TextTape;
  readonly #cb: TurnCallbacks;
  #phase: 'idle' | 'speaking' | 'stopped' | 'finished' = 'idle';
  #speech: Speech | null = null;
  /** Whole sentences heard in this turn's earlier utterances. */
  #heardBefore = '';
  #playedBeforeMs = 0;
  #resumeChar = 0;
  /** What was heard when the audio was stopped, words included (the history's text if the turn then ends). */
  #heardAtStop = '';
  #firstAudioAtMs: number | null = null;
  #lastReply = '';
  #timer: CancelTimer | null = null;

  constructor(id: string, deps: TurnSpeechDeps, scope: TurnScope, tape: TextTape, callbacks: TurnCallbacks) {
    this.id = id;
    this.#d = deps;
    this.#scope = scope;
    this.#tape = tape;
    this.#cb = callbacks;
  }

  get phase(): 'idle' | 'speaking' | 'stopped' | 'finished' {
    return this.#phase;
  }

  get signal(): AbortSignal {
    return this.#scope.signal;
  }

  /** The clock time of the turn's first audio packet, or null. */
  get firstAudioAtMs(): number | null {
    return this.#firstAudioAtMs;
  }

  start(): void {
    if (this.#phase !== 'idle') return;
    this.#speak(0);
  }

  /** Cuts the audio at the next packet boundary; the answer waits for `resume` or `abort`. */
  stop(): void {
    if (this.#phase !== 'speaking' || !this.#speech) return;
    this.#phase = 'stopped';
    this.#speech.stopped = true;
    this.#speech.controller.abort();
  }

  /** Speaks again from the sentence that was cut. */
  resume(): void {
    if (this.#phase !== 'stopped') return;
    this.#phase = 'speaking';
    const previous = this.#speech?.ended ?? Promise.resolve();
    void previous.then(() => {
      if (this.#phase === 'speaking') this.#speak(this.#resumeChar);
    });
  }

  /** Ends the turn: the LLM, TTS and playback stop; `finished` reports what was heard (interrupted). */
  abort(reason?: unknown): void {
    if (this.#phase === 'finished') return;
    // Stopped, or resuming but not yet speaking again: no playback will report the end.
    const wasStopped = this.#phase === 'stopped' || this.#phase === 'idle' || this.#speech?.stopped === true;
    this.#scope.abort(reason);
    this.#tape.close();
    if (wasStopped) {
      const ended = this.#speech?.ended ?? Promise.resolve();
      this.#phase = 'finished';
      void ended.then(() => this.#finish(this.#heardAtStop || this.#heardBefore, true, null));
    }
    // While speaking, the playback's end reports it (cancelled: interrupted).
  }

  #speak(fromChar: number): void {
    this.#phase = 'speaking';
    const d = this.#d;
    const controller = new AbortController();
    const signal = AbortSignal.any([this.#scope.signal, controller.signal]);
    const ctx: StageContext = {
      signal,
      clock: d.clock,
      log: d.log,
      metrics: { emit: (m) => this.#cb.metric(m) },
    };
    const track = new SpokenTrack(() => this.#tape.text, fromChar);
    const spoken = d.speak(this.#tape.read(fromChar), ctx);
    async function* tapSentences(): AsyncGenerator<PcmChunk> {
      for await (const chunk of spoken) {
        track.add(chunk);
        yield chunk;
      }
      track.finish();
    }
    const unnoted: Speech['unnoted'] = [];
    const noteEcho = () => this.#noteEcho();
    const resampled = d.resample(tapSentences(), ctx);
    async function* tapSent(): AsyncGenerator<PcmChunk> {
      let offsetMs = 0;
      for await (const chunk of resampled) {
        unnoted.push({ chunk, offsetMs });
        offsetMs += chunkDurationMs(chunk);
        noteEcho();
        yield chunk;
      }
    }
    const playback = d.output.play(tapSent(), { signal });
    const speech: Speech = { controller, stopped: false, track, playback, unnoted, ended: Promise.resolve() };
    this.#speech = speech;
    speech.ended = playback.done.then(
      (result) => this.#ended(speech, result),
      (error: unknown) =>
        this.#ended(speech, {
          playedMs: playback.playedMs,
          completed: false,
          reason: 'error',
          error: error instanceof Error ? error : new Error(String(error)),
        }),
    );
    this.#tick();
  }

  #tick(): void {
    this.#timer?.();
    this.#timer = null;
    const speech = this.#speech;
    if (!speech || this.#phase !== 'speaking') return;
    this.#progress(speech, speech.playback.playedMs);
    this.#timer = this.#d.clock.setTimer(() => this.#tick(), this.#d.progressIntervalMs);
  }

  #progress(speech: Speech, playedMs: number): void {
    const first = speech.playback.firstPacketAtMs;
    if (first !== null && this.#firstAudioAtMs === null) {
      this.#firstAudioAtMs = first;
      this.#cb.firstAudio(first);
    }
    this.#noteEcho();
    const text = join(this.#heardBefore, speech.track.heard(playedMs));
    if (text !== this.#lastReply) {
      this.#lastReply = text;
      this.#cb.reply(text, this.#playedBeforeMs + playedMs);
    }
  }

  #noteEcho(): void {
    const speech = this.#speech;
    const echo = this.#d.echo;
    const first = speech?.playback.firstPacketAtMs ?? null;
    if (!speech || first === null) return;
    for (const { chunk, offsetMs } of speech.unnoted.splice(0)) {
      if (echo) echo.noteSent(chunk, first + offsetMs);
    }
  }

  #ended(speech: Speech, result: PlaybackResult): void {
    this.#d.onPlaybackEnded?.();
    this.#timer?.();
    this.#timer = null;
    const playedMs = result.playedMs;
    // A completed playback was heard to its end, even where the sink's count falls a few ms
    // short of the TTS audio (resampling): the words are placed on the audio's length.
    const heardToMs = result.completed ? Math.max(playedMs, speech.track.audioMs) : playedMs;
    this.#progress(speech, heardToMs);
    speech.unnoted.length = 0;
    const heard = join(this.#heardBefore, speech.track.heard(heardToMs));
    const whole = join(this.#heardBefore, speech.track.wholeSentences(heardToMs));
    this.#playedBeforeMs += playedMs;
    if (speech.stopped) {
      this.#heardAtStop = heard;
      this.#heardBefore = whole;
      this.#resumeChar = speech.track.resumeChar(playedMs);
      return;
    }
    if (this.#phase === 'finished') return;
    this.#phase = 'finished';
    if (result.reason === 'error') {
      this.#tape.close();
      this.#scope.end();
      this.#finish(heard, false, result.error ?? new Error('playback failed'));
    } else if (result.reason === 'completed') {
      this.#scope.end();
      this.#finish(heard, false, null);
    } else this.#finish(heard, true, null);
  }

  #finish(heardText: string, interrupted: boolean, error: Error | null): void {
    this.#timer?.();
    this.#timer = null;
    this.#phase = 'finished';
    this.#cb.finished({ heardText, playedMs: this.#playedBeforeMs, interrupted, error });
  }
}
