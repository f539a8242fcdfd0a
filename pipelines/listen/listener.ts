import { AsyncQueue } from '../../core/asyncQueue.js';
import type { AudioFrame, PcmChunk } from '../../core/media.js';
import type { Stt } from '../../models/roles/stt.js';
import type { TurnDetector } from '../../models/roles/turn.js';
import type { Vad } from '../../models/roles/vad.js';
import { type Stage, type StageContext, withSignal } from '../core/stage.js';
import { AudioRing } from './audioRing.js';
import type { EchoGuard, ListenEvent } from './events.js';
import { fillIdle } from './idleFill.js';
import type { PushToTalk } from './pushToTalk.js';
import { toRate } from './toRate.js';
import { Transcriber } from './transcriber.js';
import {
  createTurnDetector,
  TURN_DEFAULTS,
  type TurnDetectorOptions,
  type TurnModelSource,
} from './turnDetector.js';
import { createVadStage, type VadVerdict } from './vadStage.js';

export { isBackchannel, looksUnfinished } from './words.js';

/** What one call's listen lane is built from. */
export interface ListenerOptions {
  /** Shared by every call; the listener makes its own stream. */
  vad: Vad;
  stt: Stt;
  /** The audio end-of-turn model (Smart Turn v3); absent or null: silence and words decide. */
  turnModel?: TurnDetector | null;
  /** Overrides of {@link TURN_DEFAULTS}. */
  turn?: Partial<TurnDetectorOptions>;
  /** New audio between partial transcripts (ms); default 700. */
  partialIntervalMs?: number;
  /** Keeps the assistant's own voice from counting as the person. */
  echo?: EchoGuard;
  /** An ISO 639-1 code for the STT; its default when absent. */
  language?: string;
  /** No microphone frame for this long: silence continues the timeline (see fillIdle); default 1000 ms. */
  idleFillMs?: number;
  /** Push-to-talk: held, pauses end nothing; released, the turn ends at once (see createTurnDetector). */
  pushToTalk?: PushToTalk;
}

/**
 * Listen events waiting for the consumer. Control events are few and the
 * dialog reads them at once; a consumer this far behind loses the oldest.
 */
const OUT_CAPACITY = 1024;

/** Audio kept beyond the longest turn, for the prefix padding and the decision's lag. */
const RING_SLACK_MS = 2000;

interface Span {
  startMs: number;
  endMs: number;
}

/**
 * The listen lane of one call: caller audio frames (16 kHz from the audio tap)
 * in, {@link ListenEvent}s out. Each frame goes through the echo guard (a VAD
 * verdict mostly over frames it calls `echoLikely` counts as silence), into a
 * ring of the turn's audio, and to the VAD; the turn detector reads the
 * verdicts (and, optionally, the turn model and the latest partial words);
 * the transcriber re-decodes the growing utterance for partials and decodes
 * it once more for the final at end-of-turn.
 *
 * Control events (speech-started, speech-stopped, end-of-turn) come out as
 * soon as they are decided; they never wait behind a decode. Transcripts come
 * out when ready, in between.
 *
 * For the consumer (the dialog): speech-started comes `minSpeechMs` after
 * the onset (clicks never start one), with `audioStartMs` = onset − prefix
 * padding. Decide barge-in from it plus the partial transcripts: interrupt
 * after speech has lasted the barge-in minimum unless the words so far are a
 * backchannel ({@link isBackchannel}, re-exported here); an utterance whose
 * final text is '' was noise. Each utterance has one final, after its
 * end-of-turn (with `error` set when the STT failed).
 */
export function listener(o: ListenerOptions): Stage<AudioFrame, ListenEvent> {
  createTurnDetector(o.turn); // refuses contradictory settings now, not at the first frame
  const turnOptions: TurnDetectorOptions = { ...TURN_DEFAULTS, ...o.turn };
  const ringMs = Math.max(8000, turnOptions.maxTurnMs + turnOptions.prefixPaddingMs + RING_SLACK_MS);
  const detectVoice = createVadStage(o.vad);
  const turnModel = o.turnModel ?? undefined;

  return async function* listen(input, ctx: StageContext) {
    const internal = new AbortController();
    const inner = withSignal(ctx, AbortSignal.any([ctx.signal, internal.signal]));
    const out = new AsyncQueue<ListenEvent>(OUT_CAPACITY);
    let ring: AudioRing | undefined;
    const audio = (fromMs: number, toMs: number): PcmChunk =>
      ring?.slice(fromMs, toMs) ?? { samples: new Int16Array(0), sampleRateHz: 16000, ptsMs: fromMs };
    const transcriber = new Transcriber(
      {
        stt: o.stt,
        audio,
        emit: (event) => out.push(event),
        partialIntervalMs: o.partialIntervalMs,
        language: o.language,
      },
      inner,
    );
    /** Frames the echo guard called echo, not yet passed by the verdicts. */
    const echoSpans: Span[] = [];

    async function* frames(): AsyncGenerator<AudioFrame> {
      for await (const tapped of fillIdle(input, {
        clock: inner.clock,
        signal: inner.signal,
        idleMs: o.idleFillMs,
      })) {
        const { frame, echoLikely } = o.echo ? o.echo.process(tapped) : { frame: tapped, echoLikely: false };
        if (tapped.reanchored) {
          transcriber.onTimelineBreak();
          ring?.reset();
        }
        if (ring?.sampleRateHz !== frame.sampleRateHz) {
          ring = new AudioRing({ capacityMs: ringMs, sampleRateHz: frame.sampleRateHz });
        }
        if (echoLikely) echoSpans.push({ startMs: frame.ptsMs, endMs: frame.ptsMs + frame.durationMs });
        ring.push(frame);
        transcriber.onAudio(ring.endMs);
        yield frame;
      }
    }

    async function* withoutEcho(verdicts: AsyncIterable<VadVerdict>): AsyncGenerator<VadVerdict> {
      for await (const v of verdicts) {
        const endMs = v.ptsMs + v.durationMs;
        while (echoSpans.length > 0 && (echoSpans[0] as Span).endMs <= v.ptsMs) echoSpans.shift();
        let echoMs = 0;
        for (const s of echoSpans) {
          if (s.startMs >= endMs) break;
          echoMs += Math.min(s.endMs, endMs) - Math.max(s.startMs, v.ptsMs);
        }
        yield echoMs * 2 >= v.durationMs ? { ...v, probability: 0 } : v;
      }
    }

    const modelSource: TurnModelSource | undefined = turnModel && {
      model: turnModel,
      audio: (fromMs, toMs) => toRate(audio(fromMs, toMs), turnModel.sampleRateHz, inner),
    };
    const detectTurns = createTurnDetector(o.turn, modelSource, () => transcriber.words(), o.pushToTalk);

    const pump = async () => {
      try {
        for await (const event of detectTurns(withoutEcho(detectVoice(frames(), inner)), inner)) {
          // Out of the lane, every `atMs` is the one clock's: when the decision was made.
          out.push({ ...event, atMs: inner.clock.nowMs() });
          transcriber.onTurnEvent(event);
        }
        await transcriber.drain();
        out.close();
      } catch (error) {
        transcriber.abort();
        out.close(error);
      }
    };
    // Not awaited on the way out: it ends by itself once `internal` aborts, and never rejects.
    void pump();
    try {
      yield* out;
    } finally {
      internal.abort();
      transcriber.abort();
    }
  };
}
