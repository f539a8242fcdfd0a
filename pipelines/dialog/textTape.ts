/**
 * Records a text stream (the answer) as fast as it is written, so the LLM and
 * its tool calls never wait for the speech, and the text can be read again
 * from any character: its speech may be stopped and started again from a cut
 * sentence (a false interruption) while the answer is written once. A reader
 * that is stopped never stops the source (only `close` does).
 */
export class TextTape {
  readonly #it: AsyncIterator<string>;
  #text = '';
  #done = false;
  #error: unknown = null;
  #waiters: (() => void)[] = [];

  constructor(source: AsyncIterable<string>) {
    this.#it = source[Symbol.asyncIterator]();
    void this.#pump();
  }

  /** Everything written so far. */
  get text(): string {
    return this.#text;
  }

  /** True once the source ended, failed or was closed. */
  get done(): boolean {
    return this.#done;
  }

  /** Reads from character `fromChar`: what is recorded, then the rest as it comes. */
  async *read(fromChar = 0): AsyncGenerator<string> {
    let at = fromChar;
    for (;;) {
      if (at < this.#text.length) {
        const piece = this.#text.slice(at);
        at = this.#text.length;
        yield piece;
        continue;
      }
      if (this.#error !== null) throw this.#error;
      if (this.#done) return;
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  /** Stops the source (the turn is over); readers end after what is recorded. */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    this.#wake();
    Promise.resolve(this.#it.return?.()).then(undefined, (error: unknown) => {
      this.#error ??= error;
    });
  }

  async #pump(): Promise<void> {
    try {
      while (!this.#done) {
        const r = await this.#it.next();
        if (r.done || this.#done) break;
        this.#text += r.value;
        this.#wake();
      }
    } catch (error) {
      if (!this.#done) this.#error = error;
    } finally {
      this.#done = true;
      this.#wake();
    }
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}
