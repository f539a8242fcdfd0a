import type { AssistantState } from '../../protocol/wire.js';
import type { SessionState } from './api.js';

/**
 * Where the session's connection is: `idle` (signaling only, before `start`),
 * `connecting` (start: transports, ICE, DTLS), `live` (the audio path is up),
 * `reconnecting` (the WebSocket or ICE dropped), `closed`.
 */
export type SessionPhase = 'idle' | 'connecting' | 'live' | 'reconnecting' | 'closed';

/** The assistant's turn states as a person would name them. */
const ASSISTANT_TO_SESSION: Record<AssistantState, SessionState> = {
  listening: 'listening',
  'user-speaking': 'listening',
  thinking: 'thinking',
  speaking: 'speaking',
  interrupted: 'listening',
};

/**
 * The public state: the connection phase, and once live, what the assistant is
 * doing (the server's `assistant_state`).
 */
export function sessionStateOf(phase: SessionPhase, assistant: AssistantState): SessionState {
  return phase === 'live' ? ASSISTANT_TO_SESSION[assistant] : phase;
}
