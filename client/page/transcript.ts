import type { AssistantText, ToolCallEvent, UserTranscript } from '../sdk/api.js';

/** Entries kept in the transcript; older ones are removed (the page may run for hours). */
const MAX_ENTRIES = 300;
/** Longest tool arguments or result shown in an entry (the rest is cut with an ellipsis). */
const TOOL_TEXT_CHARS = 200;

function short(value: unknown): string {
  const s = typeof value === 'string' ? value : JSON.stringify(value);
  return s === undefined ? '' : s.length > TOOL_TEXT_CHARS ? `${s.slice(0, TOOL_TEXT_CHARS)}…` : s;
}

/**
 * The conversation as it happens: the person's words (partials lighter and in
 * italics, replaced by the final), the assistant's words as they are spoken
 * (cut and marked where interrupted), typed messages, image thumbnails and the
 * app's tool calls with their outcome.
 */
export class TranscriptView {
  readonly #list: HTMLOListElement;

  constructor(list: HTMLOListElement) {
    this.#list = list;
  }

  /** A partial or final transcript of one utterance: one entry per utterance, updated in place. */
  userTranscript(t: UserTranscript): void {
    const entry = this.#keyed('user', 'utteranceId', t.utteranceId, 'You');
    const text = entry.querySelector('.text') as HTMLElement;
    text.textContent = t.text;
    text.classList.toggle('partial', !t.final);
    text.classList.toggle('final', t.final);
    // A screen reader hears the final words once, not every partial.
    entry.setAttribute('aria-busy', String(!t.final));
    this.#scroll();
  }

  /** The assistant's words heard so far in a turn (cumulative); the final one is what the history keeps. */
  assistantText(r: AssistantText): void {
    const entry = this.#keyed('assistant', 'turnId', r.turnId, 'Assistant');
    (entry.querySelector('.text') as HTMLElement).textContent = r.text;
    entry.dataset.final = String(r.final);
    entry.setAttribute('aria-busy', String(!r.final));
    if (r.interrupted && !entry.querySelector('.cut')) {
      entry.classList.add('interrupted');
      const cut = document.createElement('span');
      cut.className = 'cut';
      cut.textContent = '— interrupted';
      entry.append(cut);
    }
    this.#scroll();
  }

  /** A client tool the assistant called, with how it ended (result, failure or timeout). */
  toolCall(c: ToolCallEvent): void {
    const entry = this.#keyed('tool', 'callId', c.callId, 'Tool');
    const text = entry.querySelector('.text') as HTMLElement;
    const call = `${c.name}(${short(c.arguments)})`;
    if (c.outcome.ok) {
      entry.dataset.outcome = 'ok';
      text.textContent = `${call} → ${short(c.outcome.result)}`;
    } else {
      entry.dataset.outcome = c.outcome.code;
      const what = c.outcome.code === 'ERR_TOOL_TIMEOUT' ? 'timed out' : 'failed';
      text.textContent = `${call} ${what}: ${c.outcome.error}`;
    }
    this.#scroll();
  }

  /** A message the person typed. */
  typed(text: string): void {
    const entry = this.#newEntry('user', 'You');
    const p = entry.querySelector('.text') as HTMLElement;
    p.textContent = text;
    p.classList.add('final', 'typed');
    this.#scroll();
  }

  /** An image the person sent, as a thumbnail, with the question asked about it. */
  image(file: Blob, name: string, question: string | undefined): void {
    const entry = this.#newEntry('user', 'You');
    const p = entry.querySelector('.text') as HTMLElement;
    p.textContent = question ?? '';
    p.classList.add('final');
    const img = document.createElement('img');
    const url = URL.createObjectURL(file);
    img.src = url;
    img.alt = `Image sent: ${name}`;
    entry.dataset.objectUrl = url;
    entry.append(img);
    this.#scroll();
  }

  /** A line from the page itself (an error, a reconnect), shown in the conversation. */
  notice(text: string, kind: 'error' | 'info'): void {
    const entry = this.#newEntry('notice', kind === 'error' ? 'Error' : 'Note');
    entry.classList.add(kind);
    (entry.querySelector('.text') as HTMLElement).textContent = text;
    this.#scroll();
  }

  #keyed(
    role: 'user' | 'assistant' | 'tool',
    key: 'utteranceId' | 'turnId' | 'callId',
    id: string,
    who: string,
  ): HTMLLIElement {
    const existing = [...this.#list.children].find((li) => (li as HTMLElement).dataset[key] === id);
    if (existing) return existing as HTMLLIElement;
    const entry = this.#newEntry(role, who);
    entry.dataset[key] = id;
    return entry;
  }

  #newEntry(role: 'user' | 'assistant' | 'tool' | 'notice', who: string): HTMLLIElement {
    const li = document.createElement('li');
    li.className = `msg ${role}`;
    const name = document.createElement('span');
    name.className = 'who';
    name.textContent = `${who}:`;
    const text = document.createElement('span');
    text.className = 'text';
    li.append(name, text);
    this.#list.append(li);
    while (this.#list.children.length > MAX_ENTRIES) {
      const old = this.#list.firstElementChild as HTMLElement;
      if (old.dataset.objectUrl) URL.revokeObjectURL(old.dataset.objectUrl);
      old.remove();
    }
    return li;
  }

  #scroll(): void {
    this.#list.scrollTop = this.#list.scrollHeight;
  }
}
