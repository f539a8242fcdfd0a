/** How one call's assistant behaves; every duration in ms. */
export interface AssistantOptions {
  /** The system prompt (the tool section is added for backends without native tools). */
  systemPrompt: string;
  /** A voice id the TTS knows; undefined: its default. */
  voice: string | undefined;
  /** Speech rate: 1 normal, 1.2 is 20 % faster. */
  speed: number;
  /** Most tokens one LLM request may write. */
  maxNewTokens: number;
  /** Speech over the assistant lasting this long interrupts it (unless its words are a backchannel). */
  bargeInMinSpeechMs: number;
  /** After an interruption, resume when no words arrive within this long. */
  falseInterruptionMs: number;
  /** How long an app has to answer a tool call before the model is told `{"error":"timeout"}`. */
  clientToolTimeoutMs: number;
  /** LLM requests per turn that may end in a tool call. */
  maxToolRounds: number;
  /** History budget: most entries (each person or assistant turn counts one). */
  historyMaxTurns: number;
  /** History budget: most characters of text. */
  historyMaxChars: number;
  /** The question asked with an image sent without text. */
  defaultImagePrompt: string;
  /**
   * Clock time of the audio timeline's origin (`ptsMs` 0, the call's start), so
   * speech times (audio timeline) and packet times (clock) can be subtracted.
   */
  callStartMs: number;
  /** How often playback progress is read for `reply` events and echo notes. */
  progressIntervalMs: number;
  /** Words that never interrupt (see pipelines/dialog/bargeIn.ts). */
  isBackchannel: ((text: string) => boolean) | undefined;
  /** Wall-clock time for `current_time` (injected for tests). */
  now: () => Date;
}

/** The documented defaults. */
export const ASSISTANT_DEFAULTS: Readonly<AssistantOptions> = Object.freeze({
  systemPrompt: [
    'You are Sightline, a helpful assistant in a live voice and video call.',
    'You hear the person and see their camera.',
    'Answer briefly, in plain spoken sentences: no lists, no markdown, no emoji.',
    'When you talk about something you saw, say when you saw it as mm:ss (for example "at 01:05").',
    'If you are not sure what you see, say so.',
  ].join(' '),
  voice: undefined,
  speed: 1,
  maxNewTokens: 256,
  bargeInMinSpeechMs: 500,
  falseInterruptionMs: 2000,
  clientToolTimeoutMs: 8000,
  maxToolRounds: 3,
  historyMaxTurns: 24,
  historyMaxChars: 8000,
  defaultImagePrompt: 'Describe this image.',
  callStartMs: 0,
  progressIntervalMs: 20,
  isBackchannel: undefined,
  now: () => new Date(),
});
