import type { LlmImage } from '../../models/roles/llm.js';

/** One turn as it was heard: the person's words (spoken or typed), or what the assistant actually played. */
export interface HistoryEntry {
  role: 'user' | 'assistant';
  text: string;
  /** A still image the person sent with this turn. */
  image?: LlmImage;
}

export interface HistoryBudget {
  /** Keep at most this many entries (user and assistant turns each count one). */
  maxTurns: number;
  /** Keep at most this many characters of text in all. */
  maxChars: number;
}

/**
 * The conversation as heard. Assistant turns hold only what was played (cut
 * at an interruption, never the whole planned answer); an assistant turn that
 * played nothing leaves no entry. The oldest entries go first when the budget
 * is exceeded; the newest entry always stays.
 */
export class History {
  readonly #budget: HistoryBudget;
  #entries: HistoryEntry[] = [];

  constructor(budget: HistoryBudget) {
    this.#budget = budget;
  }

  get entries(): readonly HistoryEntry[] {
    return this.#entries;
  }

  /** Adds the person's turn; consecutive person turns (an unanswered one, then more words) merge. */
  addUser(text: string, image?: LlmImage): void {
    const last = this.#entries.at(-1);
    if (last?.role === 'user') {
      last.text = [last.text, text].filter((t) => t.trim() !== '').join(' ');
      if (image) last.image = image;
    } else this.#entries.push(image ? { role: 'user', text, image } : { role: 'user', text });
    this.#trim();
  }

  /** Adds what the assistant played of its turn; nothing played, nothing added. */
  addAssistant(playedText: string): void {
    if (playedText.trim() === '') return;
    this.#entries.push({ role: 'assistant', text: playedText });
    this.#trim();
  }

  /** Characters of text held. */
  get chars(): number {
    return this.#entries.reduce((n, e) => n + e.text.length, 0);
  }

  #trim(): void {
    while (
      this.#entries.length > 1 &&
      (this.#entries.length > this.#budget.maxTurns || this.chars > this.#budget.maxChars)
    ) {
      this.#entries.shift();
    }
  }
}
