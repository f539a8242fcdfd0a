import type { TurnMetrics } from '../../protocol/messages.js';
import type { GenerationRound } from './generation.js';

/** The moments of one turn, on the call's clock (ms). */
export interface TurnTimes {
  /** End of the person's speech (clock time), for a spoken turn. */
  speechEndAtMs: number | null;
  /** The end-of-turn decision. */
  endOfTurnAtMs: number | null;
  /** The final transcript. */
  transcriptAtMs: number | null;
  /** The typed message or image arrived (typed turns' voice-to-voice starts here). */
  messageAtMs: number | null;
}

/** Collects one turn's figures as they happen and writes its {@link TurnMetrics}. */
export class TurnMetricsRecorder {
  readonly #turnId: string;
  readonly #trigger: TurnMetrics['trigger'];
  readonly #times: TurnTimes;
  readonly #rounds: GenerationRound[] = [];
  #ttsTtfbMs: number | null = null;
  #firstAudioAtMs: number | null = null;
  #visualKept = 0;
  #visualMerged = 0;

  constructor(turnId: string, trigger: TurnMetrics['trigger'], times: TurnTimes) {
    this.#turnId = turnId;
    this.#trigger = trigger;
    this.#times = times;
  }

  round(r: GenerationRound): void {
    this.#rounds.push(r);
  }

  /** The first sentence's TTS time to first audio (later ones are ignored). */
  ttsTtfb(ms: number): void {
    this.#ttsTtfbMs ??= ms;
  }

  firstAudio(atMs: number): void {
    this.#firstAudioAtMs ??= atMs;
  }

  visual(kept: number, merged: number): void {
    this.#visualKept = kept;
    this.#visualMerged = merged;
  }

  /** The turn's figures; a stage that did not run reports null. */
  finish(interrupted: boolean): TurnMetrics {
    const t = this.#times;
    const diff = (to: number | null, from: number | null) =>
      to === null || from === null ? null : to - from;
    const first = this.#rounds[0];
    const startAtMs = t.speechEndAtMs ?? t.messageAtMs;
    return {
      type: 'turn',
      turnId: this.#turnId,
      trigger: this.#trigger,
      endOfTurnDelayMs: diff(t.endOfTurnAtMs, t.speechEndAtMs),
      sttLatencyMs: diff(t.transcriptAtMs, t.endOfTurnAtMs),
      llmTtftMs: first ? diff(first.firstTokenAtMs, first.requestAtMs) : null,
      ttsTtfbMs: this.#ttsTtfbMs,
      voiceToVoiceMs: diff(this.#firstAudioAtMs, startAtMs),
      interrupted,
      tokensIn: this.#rounds.reduce((n, r) => n + r.tokensIn, 0),
      tokensOut: this.#rounds.reduce((n, r) => n + r.tokensOut, 0),
      visualTokensKept: this.#visualKept,
      visualTokensMerged: this.#visualMerged,
    };
  }
}
