/** Whether a key event comes from a place where Space types a character or presses a control. */
function typingOrControl(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    ['INPUT', 'TEXTAREA', 'SELECT', 'BUTTON', 'A', 'SUMMARY'].includes(target.tagName)
  );
}

/**
 * Push-to-talk: the microphone is sent while the talk button is held (pointer,
 * or Space/Enter on the focused button), or while Space is held anywhere outside
 * a text field or another control. `talk(pressed)` is called on each change.
 */
export class PushToTalk {
  readonly #button: HTMLButtonElement;
  readonly #talk: (pressed: boolean) => void;
  #enabled = false;
  #pressed = false;

  constructor(button: HTMLButtonElement, talk: (pressed: boolean) => void) {
    this.#button = button;
    this.#talk = talk;
    button.addEventListener('pointerdown', (e) => {
      button.setPointerCapture?.(e.pointerId);
      this.#set(true);
    });
    for (const ev of ['pointerup', 'pointercancel'] as const)
      button.addEventListener(ev, () => this.#set(false));
    button.addEventListener('keydown', (e) => {
      if (e.key !== ' ' && e.key !== 'Enter') return;
      e.preventDefault();
      if (!e.repeat) this.#set(true);
    });
    button.addEventListener('keyup', (e) => {
      if (e.key !== ' ' && e.key !== 'Enter') return;
      e.preventDefault();
      this.#set(false);
    });
    button.addEventListener('blur', () => this.#set(false));
    document.addEventListener('keydown', (e) => {
      if (e.key !== ' ' || e.repeat || !this.#enabled || typingOrControl(e.target)) return;
      e.preventDefault();
      this.#set(true);
    });
    document.addEventListener('keyup', (e) => {
      if (e.key !== ' ' || !this.#enabled || typingOrControl(e.target)) return;
      this.#set(false);
    });
  }

  get pressed(): boolean {
    return this.#pressed;
  }

  /** On while a push-to-talk call runs; off releases the button. */
  setEnabled(on: boolean): void {
    this.#enabled = on;
    this.#button.hidden = !on;
    this.#button.disabled = !on;
    if (!on) this.#set(false);
  }

  #set(pressed: boolean): void {
    if (pressed === this.#pressed || (pressed && !this.#enabled)) return;
    this.#pressed = pressed;
    this.#button.setAttribute('aria-pressed', String(pressed));
    this.#button.textContent = pressed ? 'Talking… (release to stop)' : 'Hold to talk (Space)';
    this.#talk(pressed);
  }
}
