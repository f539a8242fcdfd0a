import type { PcmChunk } from '../../core/media.js';
import { chunkDurationMs } from '../../models/roles/pcm.js';
import type { EndOfTurnPrediction, TurnDetector } from '../../models/roles/turn.js';
import { SightlineError } from '../../protocol/errors.js';
import { abortable } from '../core/abortable.js';
import type { Stage, StageContext } from '../core/stage.js';
import type { PushToTalk } from './pushToTalk.js';
import type { VadVerdict } from './vadStage.js';
import { looksUnfinished } from './words.js';

/**
 * Why a turn ended: a pause long enough (`silence`), the turn model's verdict
 * (`model`), the length cap (`max-turn`), the audio stopping mid-turn
 * (`input-ended`: the call or its microphone ended), or the timeline breaking
 * mid-turn (`timeline-gap`: audio lost for longer than the tap fills), or the
 * push-to-talk button released (`released`).
 */
export type EndOfTurnReason = 'silence' | 'max-turn' | 'model' | 'input-ended' | 'timeline-gap' | 'released';

/**
 * What the turn detector says, on the VAD's timeline (`ptsMs` of the verdicts).
 * `atMs` is the end of the verdict that decided the event: when it could be known.
 */
export type TurnEvent =
  | {
      type: 'speech-started';
      /** Onset of the speech (first speech verdict of the run). */
      ptsMs: number;
      /** Where STT should start reading: `prefixPaddingMs` before the onset (never below 0). */
      audioStartMs: number;
      atMs: number;
    }
  | {
      type: 'speech-stopped';
      /** Start of the pause. */
      ptsMs: number;
      atMs: number;
    }
  | {
      type: 'end-of-turn';
      reason: EndOfTurnReason;
      /** Onset of the turn's first speech. */
      turnStartMs: number;
      /** End of the turn's last speech verdict. */
      speechEndMs: number;
      /** The turn model's probability that the turn was complete, when it was asked and answered. */
      probability?: number;
      atMs: number;
    };

/** The optional audio end-of-turn model and where its audio comes from. */
export interface TurnModelSource {
  model: TurnDetector;
  /** The caller's audio from `fromMs` to `toMs` on the VAD's timeline, at the model's rate. */
  audio: (fromMs: number, toMs: number) => PcmChunk | Promise<PcmChunk>;
}

/** Settings of the turn detector; every duration in ms of audio time. */
export interface TurnDetectorOptions {
  /** Speech probability at or above which a verdict counts as speech. */
  activationThreshold: number;
  /** Below this, speech in progress counts as a pause (hysteresis against flutter). */
  deactivationThreshold: number;
  /** Speech shorter than this is a click: no event. */
  minSpeechMs: number;
  /** Audio kept before the onset for STT (reported as `audioStartMs`). */
  prefixPaddingMs: number;
  /** A pause this long emits `speech-stopped` and, with a turn model, asks it. */
  minSilenceMs: number;
  /** A pause this long ends the turn (reason 'silence'). */
  endOfTurnSilenceMs: number;
  /** When the turn model says "not complete", or the words so far look unfinished, the pause that ends the turn instead. */
  unfinishedSilenceMs: number;
  /** A turn this long (onset to now) ends even while the person still speaks (reason 'max-turn'). */
  maxTurnMs: number;
}

/** The documented defaults of {@link TurnDetectorOptions}. */
export const TURN_DEFAULTS: Readonly<TurnDetectorOptions> = Object.freeze({
  activationThreshold: 0.5,
  deactivationThreshold: 0.35,
  minSpeechMs: 250,
  prefixPaddingMs: 300,
  minSilenceMs: 200,
  endOfTurnSilenceMs: 500,
  unfinishedSilenceMs: 1000,
  maxTurnMs: 30_000,
});

function validate(o: TurnDetectorOptions): void {
  const bad = (what: string) => {
    throw new SightlineError('ERR_INVALID_ARGUMENT', `turn detector: ${what}`);
  };
  for (const [k, v] of Object.entries(o))
    if (!(Number.isFinite(v) && v >= 0)) bad(`${k} must be ≥ 0, got ${v}`);
  if (o.activationThreshold > 1 || o.deactivationThreshold > o.activationThreshold) {
    bad('thresholds must satisfy 0 ≤ deactivation ≤ activation ≤ 1');
  }
  if (o.minSilenceMs > o.endOfTurnSilenceMs || o.endOfTurnSilenceMs > o.unfinishedSilenceMs) {
    bad('silences must satisfy minSilenceMs ≤ endOfTurnSilenceMs ≤ unfinishedSilenceMs');
  }
}

/** A run of speech verdicts not yet long enough to count. */
interface Candidate {
  onsetMs: number;
  speechMs: number;
}

/**
 * Creates the turn-detection stage: VAD verdicts in, turn events out. Time is
 * the verdicts' `ptsMs` only (one clock). Speech starts after `minSpeechMs` of
 * speech; a pause of `minSilenceMs` stops it; the turn ends after
 * `endOfTurnSilenceMs` of pause, or, with a turn model asked when the pause
 * starts, at once when it says "complete" and after `unfinishedSilenceMs` when
 * it does not. A failing turn model is logged and the silence rule decides.
 *
 * `words` (the latest partial transcript of the turn) is read when the pause
 * reaches `endOfTurnSilenceMs` and the turn model has not answered: words that
 * look unfinished ({@link looksUnfinished}: a trailing "and", "um", a number
 * being read) hold the turn open until `unfinishedSilenceMs`.
 *
 * A verdict marked `reanchored` ends an open turn ('timeline-gap', at the end
 * of the last verdict before it) and starts afresh; input that ends mid-turn
 * ends it too ('input-ended').
 *
 * With `pushToTalk`: while it is held, pauses end nothing (no silence rule, no
 * turn model; the length cap still applies); its release ends an open turn at
 * the next verdict ('released'); a release with no turn open ends nothing.
 */
export function createTurnDetector(
  options: Partial<TurnDetectorOptions> = {},
  turnModel?: TurnModelSource,
  words?: () => string,
  pushToTalk?: PushToTalk,
): Stage<VadVerdict, TurnEvent> {
  const o: TurnDetectorOptions = { ...TURN_DEFAULTS, ...options };
  validate(o);
  return async function* detectTurns(input, ctx: StageContext) {
    let candidate: Candidate | undefined;
    /** Set while a turn is open. */
    let turn:
      | {
          startMs: number;
          speechEndMs: number;
          pauseStartMs?: number;
          stopped: boolean;
          requiredSilenceMs: number;
          probability?: number;
          /** The words were read at this pause (they are read once per pause). */
          wordsRead: boolean;
        }
      | undefined;
    /** End of the last verdict seen. */
    let lastEndMs = 0;

    for await (const v of abortable(input, ctx.signal, ctx.log)) {
      if (v.reanchored) {
        candidate = undefined;
        if (turn) yield endOfTurn('timeline-gap', lastEndMs);
      }
      const endMs = v.ptsMs + v.durationMs;
      lastEndMs = endMs;
      const released = pushToTalk?.takeRelease() ?? false;
      const held = pushToTalk?.held ?? false;
      const isSpeech = v.probability >= o.activationThreshold;
      // A click (a run shorter than minSpeechMs) leaves no trace.
      if (isSpeech) {
        candidate ??= { onsetMs: v.ptsMs, speechMs: 0 };
        candidate.speechMs += v.durationMs;
      } else {
        candidate = undefined;
      }

      if (!turn) {
        if (candidate && candidate.speechMs >= o.minSpeechMs) {
          turn = {
            startMs: candidate.onsetMs,
            speechEndMs: endMs,
            stopped: false,
            requiredSilenceMs: o.endOfTurnSilenceMs,
            wordsRead: false,
          };
          yield speechStarted(candidate.onsetMs, endMs);
          candidate = undefined;
        }
        continue;
      }

      if (turn.pauseStartMs === undefined) {
        if (v.probability >= o.deactivationThreshold) turn.speechEndMs = endMs;
        else turn.pauseStartMs = v.ptsMs;
      } else if (candidate && candidate.speechMs >= o.minSpeechMs) {
        // Speech again within the turn: the pause is over.
        if (turn.stopped) yield speechStarted(candidate.onsetMs, endMs);
        turn.pauseStartMs = undefined;
        turn.stopped = false;
        turn.requiredSilenceMs = o.endOfTurnSilenceMs;
        turn.probability = undefined;
        turn.wordsRead = false;
        turn.speechEndMs = endMs;
        candidate = undefined;
      }

      if (released) {
        yield endOfTurn('released', endMs);
        continue;
      }
      if (endMs - turn.startMs >= o.maxTurnMs) {
        yield endOfTurn('max-turn', endMs);
        continue;
      }
      if (turn.pauseStartMs === undefined) continue;
      // Speech that may resume the turn holds the silence at its onset until it is confirmed or a click.
      const silenceMs = (candidate?.onsetMs ?? endMs) - turn.pauseStartMs;
      if (!turn.stopped && silenceMs >= o.minSilenceMs) {
        turn.stopped = true;
        yield { type: 'speech-stopped', ptsMs: turn.pauseStartMs, atMs: endMs };
        if (turnModel && !held) {
          const prediction = await askModel(turnModel, turn.startMs, endMs, ctx);
          if (prediction) {
            turn.probability = prediction.probability;
            if (prediction.complete) {
              yield endOfTurn('model', endMs);
              continue;
            }
            turn.requiredSilenceMs = o.unfinishedSilenceMs;
          }
        }
      }
      if (held) continue; // the button holds the turn open through pauses
      if (
        turn.stopped &&
        silenceMs >= turn.requiredSilenceMs &&
        !turn.wordsRead &&
        turn.probability === undefined &&
        words
      ) {
        turn.wordsRead = true;
        if (looksUnfinished(words())) turn.requiredSilenceMs = o.unfinishedSilenceMs;
      }
      if (turn.stopped && silenceMs >= turn.requiredSilenceMs) yield endOfTurn('silence', endMs);
    }
    if (turn) yield endOfTurn('input-ended', lastEndMs);

    function speechStarted(onsetMs: number, atMs: number): TurnEvent {
      return {
        type: 'speech-started',
        ptsMs: onsetMs,
        audioStartMs: Math.max(0, onsetMs - o.prefixPaddingMs),
        atMs,
      };
    }

    function endOfTurn(reason: EndOfTurnReason, atMs: number): TurnEvent {
      const t = turn as NonNullable<typeof turn>;
      turn = undefined;
      candidate = undefined;
      const event: TurnEvent = {
        type: 'end-of-turn',
        reason,
        turnStartMs: t.startMs,
        speechEndMs: t.speechEndMs,
        atMs,
      };
      if (t.probability !== undefined) event.probability = t.probability;
      return event;
    }
  };

  async function askModel(
    source: TurnModelSource,
    turnStartMs: number,
    nowMs: number,
    ctx: StageContext,
  ): Promise<EndOfTurnPrediction | undefined> {
    const startedMs = ctx.clock.nowMs();
    try {
      const audio = await source.audio(Math.max(0, turnStartMs - o.prefixPaddingMs), nowMs);
      const prediction = await source.model.predictEndOfTurn(audio, { signal: ctx.signal });
      ctx.metrics.emit({
        type: 'turn',
        atMs: ctx.clock.nowMs(),
        label: source.model.name,
        durationMs: ctx.clock.nowMs() - startedMs,
        probability: prediction.probability,
        audioDurationMs: chunkDurationMs(audio),
      });
      return prediction;
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      ctx.log.warn('turn model failed; the silence rule decides this turn', {
        error,
        model: source.model.name,
      });
      return undefined;
    }
  }
}
