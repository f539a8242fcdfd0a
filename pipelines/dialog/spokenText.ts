import { chunkDurationMs } from '../../models/roles/pcm.js';
import type { SpokenChunk } from '../speak/speaker.js';

/** A slow speaking pace (about 12 characters a second), for a sentence's length before any is known. */
const SLOW_MS_PER_CHAR = 80;

/** One sentence of an utterance and where its audio lies (ms from the utterance's start). */
interface SentenceSpan {
  text: string;
  /** Where the sentence starts in the answer's text. */
  startChar: number;
  startMs: number;
  endMs: number;
  /** Its synthesis is over (the next sentence began, or the speech ended): `endMs` is final. */
  complete: boolean;
}

/**
 * What of one utterance was heard, from the audio's per-sentence spans and
 * the sink's `playedMs`. A sentence whose audio has been played is heard
 * whole; within the sentence being played, words count as heard by their
 * proportional position (a word is heard once the share of the sentence's
 * audio played reaches the share of its characters up to the word's end) — the
 * TTS gives no word timing, and speech runs at a roughly even rate of
 * characters. The length of a sentence still being synthesized (the sink reads
 * only a little ahead) is estimated at the pace of the utterance's complete
 * sentences (before any is complete, at a slow pace, so words are rather under-
 * than over-counted).
 */
export class SpokenTrack {
  readonly #answer: () => string;
  #cursorChar: number;
  readonly #spans: SentenceSpan[] = [];
  #lastIndex = -1;

  /**
   * @param answer the whole answer's text so far (sentences are found in it)
   * @param fromChar where this utterance starts speaking the answer
   */
  constructor(answer: () => string, fromChar: number) {
    this.#answer = answer;
    this.#cursorChar = fromChar;
  }

  /** Records a chunk as it goes to the sink (in order). */
  add(chunk: SpokenChunk): void {
    const durationMs = chunkDurationMs(chunk);
    if (chunk.sentenceIndex !== this.#lastIndex) {
      const previous = this.#spans.at(-1);
      if (previous) previous.complete = true;
      const found = this.#answer().indexOf(chunk.text, this.#cursorChar);
      const startChar = found < 0 ? this.#cursorChar : found;
      this.#cursorChar = startChar + chunk.text.length;
      this.#spans.push({
        text: chunk.text,
        startChar,
        startMs: chunk.ptsMs,
        endMs: chunk.ptsMs,
        complete: false,
      });
      this.#lastIndex = chunk.sentenceIndex;
    }
    const span = this.#spans.at(-1) as SentenceSpan;
    span.endMs = Math.max(span.endMs, chunk.ptsMs + durationMs);
  }

  /** The speech ended: every sentence's length is known. */
  finish(): void {
    for (const s of this.#spans) s.complete = true;
  }

  /** Milliseconds of audio produced so far. */
  get audioMs(): number {
    return this.#spans.at(-1)?.endMs ?? 0;
  }

  /** The sentences played whole by `playedMs`, joined. */
  wholeSentences(playedMs: number): string {
    return this.#spans
      .filter((s) => s.endMs <= playedMs + 1e-6)
      .map((s) => s.text)
      .join(' ');
  }

  /** Everything heard by `playedMs`: whole sentences, then the heard words of the one being played. */
  heard(playedMs: number): string {
    const parts: string[] = [];
    for (const s of this.#spans) {
      if (s.endMs <= playedMs + 1e-6) {
        parts.push(s.text);
        continue;
      }
      const lengthMs = s.complete ? s.endMs - s.startMs : this.#estimatedMs(s);
      if (playedMs > s.startMs) {
        const share = (playedMs - s.startMs) / lengthMs;
        const words = [...s.text.matchAll(/\S+/g)];
        const heard = words.filter((w) => ((w.index ?? 0) + w[0].length) / s.text.length <= share);
        const last = heard.at(-1);
        if (last) parts.push(s.text.slice(0, (last.index ?? 0) + last[0].length));
      }
      break;
    }
    return parts.join(' ');
  }

  /**
   * The length of a sentence still being synthesized, at the pace (ms per character) of
   * this utterance's complete sentences, or before one is complete at a slow speaking pace
   * (so words are rather under- than over-counted).
   */
  #estimatedMs(span: SentenceSpan): number {
    let ms = 0;
    let chars = 0;
    for (const s of this.#spans) {
      if (!s.complete) continue;
      ms += s.endMs - s.startMs;
      chars += s.text.length;
    }
    const pace = chars === 0 ? SLOW_MS_PER_CHAR : ms / chars;
    return Math.max(span.endMs - span.startMs, span.text.length * pace);
  }

  /**
   * Where to speak again from after a stop at `playedMs`: the start of the first
   * sentence not played whole (the cut sentence is said again from its start), or
   * the end of what this utterance had taken from the answer.
   */
  resumeChar(playedMs: number): number {
    const cut = this.#spans.find((s) => s.endMs > playedMs + 1e-6);
    return cut ? cut.startChar : this.#cursorChar;
  }
}
