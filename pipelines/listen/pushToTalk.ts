/**
 * Push-to-talk as the listen lane reads it. While the button is held, pauses do
 * not end the person's turn (only the length cap does); releasing it ends the
 * open turn at the next audio frame, without waiting for silence. A release
 * when nobody spoke ends nothing. Set from signaling, read by the turn detector.
 */
export class PushToTalk {
  #held = false;
  #released = false;

  /** The button went down: the person's turn, pauses included, until release. */
  press(): void {
    this.#held = true;
    this.#released = false;
  }

  /** The button went up: the open turn (if any) ends now. */
  release(): void {
    this.#held = false;
    this.#released = true;
  }

  /** Whether the button is down. */
  get held(): boolean {
    return this.#held;
  }

  /** True once after each release (the turn detector consumes it). */
  takeRelease(): boolean {
    const released = this.#released;
    this.#released = false;
    return released;
  }
}
