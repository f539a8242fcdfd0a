import type { AudioFrame, PcmChunk } from '../../core/media.js';
import type { WireError } from '../../protocol/errors.js';
import type { TurnEvent } from './turnDetector.js';

/**
 * What the listen lane says about the caller's audio, on the call's timeline:
 * the turn detector's events and the transcripts. Out of the listener, every
 * event's `atMs` is the clock time it was decided (a turn event) or its text
 * was ready (a transcript) — inside the lane the turn detector works on the
 * audio timeline. `startMs`/`endMs`/`ptsMs`/`speechEndMs` are always on the
 * audio timeline (ms from call start).
 */
export type ListenEvent =
  | TurnEvent
  | {
      type: 'transcript';
      /** One id per utterance (speech-started to end-of-turn); partials and the final share it. */
      utteranceId: string;
      text: string;
      /** False for a partial (re-decoded while the person speaks; may change), true once per turn. */
      final: boolean;
      /** Onset of the utterance's first speech. */
      startMs: number;
      /** End of the audio decoded (a partial) or of the last speech (the final). */
      endMs: number;
      atMs: number;
      /**
       * Only on a final whose decode failed: its `text` is '' and this says why
       * (the call goes on; the dialog may show it).
       */
      error?: WireError;
    };

/** The transcript events of {@link ListenEvent}. */
export type TranscriptEvent = Extract<ListenEvent, { type: 'transcript' }>;

/**
 * Keeps the assistant's own voice, coming back through the caller's speakers
 * and microphone, from counting as the person speaking. The speak path tells it
 * what was sent and when; the listen lane asks it about each microphone frame.
 */
export interface EchoGuard {
  /**
   * The assistant's audio as sent into the call: `chunk` (any rate) started
   * leaving the server at clock time `sentAtMs`.
   */
  noteSent(chunk: PcmChunk, sentAtMs: number): void;
  /**
   * One microphone frame (`receivedAtMs` is its clock time). `frame` is what the
   * VAD and STT should use (the input, or the input with the echo removed);
   * `echoLikely` is true when what is left is explained by the assistant's own
   * voice, so it must not count as the person speaking.
   */
  process(frame: AudioFrame): { frame: AudioFrame; echoLikely: boolean };
}
