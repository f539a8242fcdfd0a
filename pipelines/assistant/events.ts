import type { WireError } from '../../protocol/errors.js';
import type { AssistantState, TurnMetrics } from '../../protocol/messages.js';
import type { VideoAnswerEvent } from '../../protocol/video.js';

/**
 * What one call's assistant tells the outside (the server pushes each to the
 * client as the protocol event of the same name). Times are ms on the call's timeline.
 */
export type AssistantEvents = {
  state: [{ state: AssistantState; turnId: string | null }];
  transcript: [{ utteranceId: string; text: string; final: boolean; startMs: number; endMs: number }];
  /** `text` is everything heard so far in the turn; the final one is what the history keeps. */
  reply: [{ turnId: string; text: string; final: boolean; playedMs: number; interrupted: boolean }];
  /** A client tool is called: the server sends `tool_call`; the answer comes back through `toolResult`. */
  toolCall: [{ callId: string; name: string; arguments: unknown; timeoutMs: number }];
  metrics: [TurnMetrics];
  /** A turn about the focused video ended: the citations of what was heard and the evidence given to the model. */
  videoAnswer: [VideoAnswerEvent];
  /** A recoverable failure the page should show (a model run failed; the call goes on). */
  error: [WireError];
};
