import type { ServerEventMap } from '../sdk/index.js';

/** Entries kept in the transcript; older ones are removed (the page may run for hours). */
const MAX_ENTRIES = 300;

/**
 * The conversation as it happens: the person's words (partials lighter and in
 * italics, replaced by the final), the assistant's words as they are spoken
 * (cut and marked where interrupted), typed messages and image thumbnails.
 */
export class TranscriptView {
  readonly #list: HTMLOListElement;

  constructor(list: HTMLOListElement) {
    this.#list = list;
  }

  /** A partial or final transcript of one utterance: one entry per utterance, updated in place. */
  transcript(t: ServerEventMap['transcript']): void {
    const entry = this.#entry('user', 'utterance', t.utteranceId, 'You');
    const text = entry.querySelector('.text') as HTMLElement;
    text.textContent = t.text;
    text.classList.toggle('partial', !t.final);
    text.classList.toggle('final', t.final);
    this.#scroll();
  }

  /** The assistant's words heard so far in a turn (cumulative); the final one is what the history keeps. */
  reply(r: ServerEventMap['reply']): void {
    const entry = this.#entry('assistant', 'turn', r.turnId, 'Assistant');
    (entry.querySelector('.text') as HTMLElement).textContent = r.text;
    entry.dataset.final = String(r.final);
    if (r.interrupted && !entry.querySelector('.cut')) {
      entry.classList.add('interrupted');
      const cut = document.createElement('span');
      cut.className = 'cut';
      cut.textContent = '— interrupted';
      entry.append(cut);
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

  #entry(role: 'user' | 'assistant', key: 'utterance' | 'turn', id: string, who: string): HTMLLIElement {
    const existing = [...this.#list.children].find(
      (li) => (li as HTMLElement).dataset[key === 'utterance' ? 'utteranceId' : 'turnId'] === id,
    );
    if (existing) return existing as HTMLLIElement;
    const entry = this.#newEntry(role, who);
    if (key === 'utterance') entry.dataset.utteranceId = id;
    else entry.dataset.turnId = id;
    return entry;
  }

  #newEntry(role: 'user' | 'assistant', who: string): HTMLLIElement {
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
