import type { Call } from '../../server/call/call.js';
import { RecordingAssistant } from './recordingAssistant.js';

/**
 * A RecordingAssistant that answers each typed message on its call, as the
 * real one does over signaling (thinking → a final `reply` → listening). The
 * reply names how many messages the conversation holds and the first one, so a
 * test sees from the client that the conversation after a reconnect is the
 * same one as before it.
 */
export class ReplyingAssistant extends RecordingAssistant {
  readonly #call: Call;

  constructor(call: Call) {
    super();
    this.#call = call;
    call.assistant = this;
  }

  /** What the assistant answers after `texts` (the conversation so far, this message last). */
  static replyFor(texts: readonly string[]): string {
    return `message ${texts.length}; the first was "${texts[0] ?? ''}"`;
  }

  override sendText(text: string): { turnId: string } {
    const turn = super.sendText(text);
    const reply = ReplyingAssistant.replyFor(this.texts);
    const push = this.#call.emit.bind(this.#call) as (
      name: 'push',
      event: string,
      data: Record<string, unknown>,
    ) => boolean;
    // After the request's response, as the real assistant's events follow it.
    setTimeout(() => {
      if (this.#call.closed) return;
      push('push', 'assistant_state', { state: 'thinking', turnId: turn.turnId });
      push('push', 'reply', {
        turnId: turn.turnId,
        text: reply,
        final: true,
        playedMs: 0,
        interrupted: false,
      });
      push('push', 'assistant_state', { state: 'listening', turnId: null });
    }, 10);
    return turn;
  }
}
