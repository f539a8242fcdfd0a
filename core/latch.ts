/** A one-shot latch: `promise` resolves the first time `open()` is called. */
export class Latch {
  readonly promise: Promise<void>;
  #resolve!: () => void;
  #open = false;

  constructor() {
    this.promise = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Opens the latch; returns false when it was already open (so callers can be idempotent). */
  open(): boolean {
    if (this.#open) return false;
    this.#open = true;
    this.#resolve();
    return true;
  }
}
