import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { AudioFrame, VideoFrame } from '../../core/media.js';
import type { AudioOutput } from '../../core/playback.js';
import type { Llm, VisionEncoder } from '../../models/roles/llm.js';
import type { Ocr } from '../../models/roles/ocr.js';
import type { Stt } from '../../models/roles/stt.js';
import type { Tts } from '../../models/roles/tts.js';
import type { TurnDetector } from '../../models/roles/turn.js';
import type { Vad } from '../../models/roles/vad.js';
import type { MetricsSink } from '../core/metrics.js';
import type { Stage } from '../core/stage.js';
import type { EchoGuard, ListenEvent } from '../listen/events.js';
import type { PushToTalk } from '../listen/pushToTalk.js';
import type { VisualContext } from '../watch/visualContext.js';

/**
 * The models one assistant uses: loaded once by the server and shared by every
 * call (each call keeps its own per-stream state, e.g. `vad.createStream()`).
 * A role may be local or an OpenAI-compatible server; the assistant cannot tell.
 */
export interface AssistantModels {
  vad: Vad;
  stt: Stt;
  llm: Llm;
  tts: Tts;
  /** Audio end-of-turn model (Smart Turn v3); null: silence and words decide. */
  turn: TurnDetector | null;
  /** Text in frames and images; null: no `read_text`, no OCR context. */
  ocr: Ocr | null;
  /** The watch lane's encoder; null: frames go to the LLM as images. */
  vision: VisionEncoder | null;
}

/** What one call's assistant is built from. */
export interface AssistantDeps {
  models: AssistantModels;
  /** The call's audio sink (or a fake). */
  output: AudioOutput;
  clock: Clock;
  log: Logger;
  metrics: MetricsSink;
  /** The call's signal: everything the assistant started stops when it fires. */
  signal: AbortSignal;
}

/** The call's lanes, built by their own modules and handed to the assistant. */
export interface AssistantLanes {
  /** Turns the caller's audio into listen events (the listener stage, with the echo guard inside). */
  listen: Stage<AudioFrame, ListenEvent>;
  /** The echo guard the listen stage uses; the assistant tells it what was sent (noteSent). null: none. */
  echo: EchoGuard | null;
  /** The push-to-talk control the listen stage reads, if it was given one. */
  pushToTalk?: PushToTalk | null;
  /** The watch lane, or null (no camera context). */
  watch:
    | (VisualContext & {
        setUserSpeaking(speaking: boolean): void;
        run(frames: AsyncIterable<VideoFrame>, signal: AbortSignal): Promise<void>;
      })
    | null;
}
