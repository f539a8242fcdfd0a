import { SightlineError } from '../../protocol/errors.js';
import type { AssistantState } from '../../protocol/messages.js';

/**
 * The edges of the turn, and why each exists:
 * - listening → user-speaking → thinking (end of turn) → speaking → listening: a spoken exchange.
 * - speaking → interrupted → user-speaking: a barge-in confirmed by words.
 * - interrupted → speaking: a false interruption (no words in time): the reply resumes.
 * - listening | speaking | user-speaking → thinking: a typed message or image starts a turn at once.
 * - thinking → thinking: a typed message replaces a turn still thinking.
 * - thinking → user-speaking: the person goes on talking before any audio (the turn is dropped).
 * - thinking → listening: nothing to say (empty transcript, empty answer, a failed model run).
 * - user-speaking → listening: the speech turned out to be nothing (an empty transcript).
 * - interrupted → thinking: the interrupting words were typed.
 */
const EDGES: Readonly<Record<AssistantState, readonly AssistantState[]>> = {
  listening: ['user-speaking', 'thinking'],
  'user-speaking': ['thinking', 'listening'],
  thinking: ['speaking', 'listening', 'user-speaking', 'thinking'],
  speaking: ['listening', 'interrupted', 'thinking'],
  interrupted: ['user-speaking', 'speaking', 'thinking', 'listening'],
};

/** One state change, as pushed to the client. */
export interface TurnStateChange {
  state: AssistantState;
  turnId: string | null;
  previous: AssistantState;
}

/**
 * The turn as an explicit state machine: every change goes through `to`, is
 * checked against the edges above and reported once; a change to the state
 * it is already in is no change (not reported), except thinking → thinking
 * with a new turn id.
 */
export class TurnStateMachine {
  #state: AssistantState = 'listening';
  #turnId: string | null = null;
  readonly #onChange: (change: TurnStateChange) => void;

  constructor(onChange: (change: TurnStateChange) => void) {
    this.#onChange = onChange;
  }

  get state(): AssistantState {
    return this.#state;
  }

  /** The assistant turn the state belongs to (thinking, speaking, interrupted), else null. */
  get turnId(): string | null {
    return this.#turnId;
  }

  /** True when `to(next)` is allowed from here. */
  can(next: AssistantState): boolean {
    return EDGES[this.#state].includes(next);
  }

  /** Moves to `next`; an edge not in the table is ERR_INVALID_STATE (a bug in the dialog). */
  to(next: AssistantState, turnId: string | null = null): void {
    if (next === this.#state && turnId === this.#turnId) return;
    if (!this.can(next)) {
      throw new SightlineError('ERR_INVALID_STATE', `no turn edge ${this.#state} → ${next}`);
    }
    const previous = this.#state;
    this.#state = next;
    this.#turnId = turnId;
    this.#onChange({ state: next, turnId, previous });
  }
}
