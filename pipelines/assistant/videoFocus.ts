import type { LlmContent } from '../../models/roles/llm.js';
import type { Citation, Evidence, Moment, QuestionKind, VideoAnswerEvent } from '../../protocol/video.js';

/**
 * A question about an uploaded video made ready for the LLM: the same parse and
 * evidence as `POST /api/videos/:id/ask`, without the generation (the call's
 * dialog generates and speaks the answer itself).
 */
export interface PreparedVideoTurn {
  kind: QuestionKind;
  evidence: Evidence;
  moments: Moment[];
  /**
   * The evidence as prompt parts (the frames as ONE video part with their true
   * times, transcript, OCR and chapter lines), without the question: the
   * person's words follow them in the turn.
   */
  content: LlmContent[];
  /** The timestamps an answer's text cites (only those within the video). */
  cite(answerText: string): Citation[];
}

/** Prepares one question about the focused video; rejects with ERR_ABORTED when `signal` fires. */
export type PrepareVideoTurn = (question: string, signal: AbortSignal) => Promise<PreparedVideoTurn>;

/** The video a call's person asks about, and how to prepare a question about it (bound to its owner). */
export interface VideoFocusTarget {
  videoId: string;
  prepare: PrepareVideoTurn;
}

/** What a turn context provider adds to one assistant turn. */
export interface TurnContext {
  /** Put in the person's current turn in place of the camera clip and the text read on camera. */
  content: LlmContent[];
  /** The turn has ended; `heardText` is what the person heard of the answer (cut where interrupted). */
  finished(heardText: string): void;
}

/**
 * A hook run before each assistant turn's generation, with the person's words
 * of the turn; null: the turn goes as usual (camera context).
 */
export type TurnContextProvider = (turn: {
  turnId: string;
  text: string;
  signal: AbortSignal;
}) => Promise<TurnContext | null>;

/** Said before the evidence: the call's system prompt speaks of the camera, this turn is about the video. */
export const VIDEO_TURN_PREAMBLE =
  'This question is about the uploaded video, not the camera. Answer from the frames, transcript and ' +
  'on-screen text of the video below, cite each moment you mention as mm:ss, and say so when they do not show it.';

/**
 * The provider of a call focused on one video: every turn is a question about
 * it; when the turn ends, `emit` gets the citations of the heard text (never
 * of the planned rest) with the evidence the model was given.
 */
export function videoTurnContext(
  target: VideoFocusTarget,
  emit: (event: VideoAnswerEvent) => void,
): TurnContextProvider {
  return async ({ turnId, text, signal }) => {
    const prepared = await target.prepare(text, signal);
    return {
      content: [{ type: 'text', text: VIDEO_TURN_PREAMBLE }, ...prepared.content],
      finished: (heardText) =>
        emit({
          turnId,
          videoId: target.videoId,
          kind: prepared.kind,
          citations: prepared.cite(heardText),
          evidence: prepared.evidence,
          moments: prepared.moments,
        }),
    };
  };
}
