import type { CancelTimer, Clock } from '../../core/clock.js';

/**
 * Words that acknowledge rather than take the turn: said over the assistant, they
 * do not interrupt it. Compared after lower-casing and stripping punctuation; a
 * phrase made only of these words ("ok ok", "yeah right") is a backchannel too.
 * The listen lane's word list (pipelines/listen/words.ts) is meant to agree with this one.
 */
export const DEFAULT_BACKCHANNELS: readonly string[] = [
  'mhm',
  'mm',
  'mmm',
  'hmm',
  'uh-huh',
  'uh',
  'huh',
  'ok',
  'okay',
  'yeah',
  'yep',
  'yes',
  'right',
  'sure',
  'aha',
  'ah',
  'oh',
  'i see',
  'got it',
  'cool',
  'nice',
];

/** True when `text` is only acknowledgement words (and not empty). */
export function isBackchannel(text: string, words: readonly string[] = DEFAULT_BACKCHANNELS): boolean {
  let rest = ` ${text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s'-]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim()} `;
  if (rest.trim() === '') return false;
  // Longest first, so "uh-huh" is not read as "uh" + "-huh".
  for (const w of [...words].sort((a, b) => b.length - a.length)) {
    rest = rest.split(` ${w} `).join(' ');
    rest = rest.split(` ${w} `).join(' '); // overlapping repeats ("ok ok ok")
  }
  return rest.trim() === '';
}

export interface BargeInOptions {
  /** Speech over the assistant lasting this long (from its onset) interrupts when no words say otherwise. */
  minSpeechMs: number;
  /** After an interruption without words, resume when none arrive within this long. */
  falseInterruptionMs: number;
  /** Words that never interrupt. */
  isBackchannel: (text: string) => boolean;
}

/** What the policy decides; the dialog carries it out. */
export interface BargeInActions {
  /** Stop the assistant's audio now (state interrupted). */
  interrupt(): void;
  /** Words confirmed it: the person has the turn. Called after `interrupt` (at once when words came first). */
  confirm(): void;
  /** It was noise or an acknowledgement: the assistant goes on from where it stopped. */
  resume(): void;
}

/** Where the policy is in one overlap of the person's speech with the assistant's turn. */
export type BargeInPhase = 'idle' | 'pending' | 'interrupted' | 'confirmed';

/**
 * The barge-in policy for speech heard while the assistant has the turn. It
 * decides on duration before words and on words once a transcript arrives:
 * speech lasting `minSpeechMs` from its onset interrupts (unless a backchannel
 * was already heard); non-backchannel words interrupt and confirm at once; a
 * backchannel or an empty final transcript never interrupts and, after an
 * interruption on duration, resumes, as does `falseInterruptionMs` without words.
 * The duration rule applies only while audio plays (`armDuration`): before the
 * first audio there is nothing to stop, and only words take the turn.
 */
export class BargeInPolicy {
  readonly #clock: Clock;
  readonly #o: BargeInOptions;
  readonly #act: BargeInActions;
  #phase: BargeInPhase = 'idle';
  #onsetMs = 0;
  #speaking = false;
  #heardBackchannel = false;
  #durationArmed = false;
  #timer: CancelTimer | null = null;

  constructor(clock: Clock, options: BargeInOptions, actions: BargeInActions) {
    this.#clock = clock;
    this.#o = options;
    this.#act = actions;
  }

  get phase(): BargeInPhase {
    return this.#phase;
  }

  /** The person started speaking at clock time `onsetMs` (the onset, not when the VAD decided). */
  speechStarted(onsetMs: number, durationRule: boolean): void {
    this.#speaking = true;
    if (this.#phase === 'idle') {
      this.#phase = 'pending';
      this.#onsetMs = onsetMs;
      this.#heardBackchannel = false;
      this.#durationArmed = false;
      if (durationRule) this.armDuration();
    }
  }

  /** Audio started playing while speech was pending: from now on its duration counts. */
  armDuration(): void {
    if (this.#phase !== 'pending' || this.#durationArmed) return;
    this.#durationArmed = true;
    if (this.#speaking && !this.#heardBackchannel) this.#startDurationTimer();
  }

  speechStopped(): void {
    this.#speaking = false;
    if (this.#phase === 'pending') this.#clearTimer();
  }

  /** A transcript of the overlapping speech (partial or final). */
  words(text: string, final: boolean): void {
    const said = text.trim();
    if (this.#phase === 'pending') {
      if (said === '') {
        if (final) this.#settle();
        return;
      }
      if (this.#o.isBackchannel(said)) {
        this.#heardBackchannel = true;
        this.#clearTimer();
        if (final) this.#settle();
        return;
      }
      this.#clearTimer();
      this.#phase = 'confirmed';
      this.#act.interrupt();
      this.#act.confirm();
      return;
    }
    if (this.#phase === 'interrupted') {
      if (said !== '' && !this.#o.isBackchannel(said)) {
        this.#clearTimer();
        this.#phase = 'confirmed';
        this.#act.confirm();
      } else if (final) {
        this.#clearTimer();
        this.#phase = 'idle';
        this.#act.resume();
      }
    }
  }

  /** Forget the overlap (the assistant's turn ended or another began). */
  reset(): void {
    this.#clearTimer();
    this.#phase = 'idle';
    this.#speaking = false;
    this.#heardBackchannel = false;
    this.#durationArmed = false;
  }

  #settle(): void {
    this.#clearTimer();
    this.#phase = 'idle';
  }

  #startDurationTimer(): void {
    this.#clearTimer();
    const dueInMs = Math.max(0, this.#onsetMs + this.#o.minSpeechMs - this.#clock.nowMs());
    this.#timer = this.#clock.setTimer(() => {
      this.#timer = null;
      if (this.#phase !== 'pending') return;
      this.#phase = 'interrupted';
      this.#timer = this.#clock.setTimer(() => {
        this.#timer = null;
        if (this.#phase !== 'interrupted') return;
        this.#phase = 'idle';
        this.#act.resume();
      }, this.#o.falseInterruptionMs);
      this.#act.interrupt();
    }, dueInMs);
  }

  #clearTimer(): void {
    this.#timer?.();
    this.#timer = null;
  }
}
