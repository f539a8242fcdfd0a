import type { LlmImage, LlmTool } from '../../models/roles/llm.js';
import type { VideoFocusTarget } from './videoFocus.js';

/** The outcome of a client tool, as the client reported it. */
export type ToolOutcome = { ok: true; result: unknown } | { ok: false; error: string };

/**
 * What signaling may ask of a call's assistant. A call without one (models
 * missing) refuses these requests with ERR_ASSISTANT_UNAVAILABLE.
 */
export interface AssistantPort {
  /** A typed message joins the dialog as the person's turn. */
  sendText(text: string): { turnId: string };
  /** A still image (decoded, full resolution) joins the context; with `text`, a question about it. */
  sendImage(image: LlmImage, text?: string): { turnId: string };
  /** The app's own tools; replaces the earlier list. */
  registerTools(tools: LlmTool[]): void;
  /** Answers a `tool_call`; an unknown or finished call id is ERR_NOT_FOUND. */
  toolResult(callId: string, outcome: ToolOutcome): void;
  /** From the next turn on, every question is about this video (its evidence instead of the camera); null: the camera again. */
  focusVideo(target: VideoFocusTarget | null): void;
  /**
   * Stops the assistant's turn now, as a barge-in would: the reply is cut where
   * it was heard (the history keeps that part; the final `reply` says
   * interrupted). `interrupted` is false when no assistant turn was thinking or speaking.
   */
  interrupt(): { interrupted: boolean };
  /**
   * Push-to-talk: pressed, the person has the turn (the assistant stops as with
   * `interrupt`; pauses end nothing); released, the person's turn ends at once.
   */
  pushToTalk(pressed: boolean): void;
}
