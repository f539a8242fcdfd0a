/**
 * Records a text stream as it is pulled, so it can be read again from any
 * character: the answer keeps being written once, while its speech may be
 * stopped and started again from a cut sentence (a false interruption). Every
 * reader shares one pull of the source; a reader that is stopped never stops
 * the source (only `close` does).
 */
export class TextTape {
  readonly #it: AsyncIterator<string>;
  #text = '';
  #done = false;
  #error: unknown = null;
  #inFlight: Promise<void> | null = null;

  constructor(source: AsyncIterable<string>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  /** Everything written so far. */
  get text(): string {
    return this.#text;
  }

  /** True once the source ended (or failed). */
  get done(): boolean {
    return this.#done;
  }

  /** Reads from character `fromChar`: what is recorded, then the source as it comes. */
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
      await this.#pull();
    }
  }

  /** Stops the source (the turn is over). */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    Promise.resolve(this.#it.return?.()).then(undefined, (error: unknown) => {
      this.#error ??= error;
    });
  }

  #pull(): Promise<void> {
    this.#inFlight ??= this.#it.next().then(
      (r) => {
        this.#inFlight = null;
        if (r.done) this.#done = true;
        else this.#text += r.value;
      },
      (error: unknown) => {
        this.#inFlight = null;
        this.#error = error;
        this.#done = true;
      },
    );
    return this.#inFlight;
  }
}
