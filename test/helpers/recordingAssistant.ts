import type { LlmImage, LlmTool } from '../../models/roles/llm.js';
import type { AssistantPort, ToolOutcome } from '../../pipelines/assistant/port.js';
import type { VideoFocusTarget } from '../../pipelines/assistant/videoFocus.js';
import { SightlineError } from '../../protocol/errors.js';

/** A scripted AssistantPort that records every call signaling makes on it. */
export class RecordingAssistant implements AssistantPort {
  readonly texts: string[] = [];
  readonly images: { image: LlmImage; text: string | undefined }[] = [];
  readonly toolLists: LlmTool[][] = [];
  readonly results: { callId: string; outcome: ToolOutcome }[] = [];
  /** Every `focusVideo` target, in order (null: focus cleared). */
  readonly focuses: (VideoFocusTarget | null)[] = [];
  /** Tool call ids the assistant is waiting on; any other is ERR_NOT_FOUND. */
  readonly openCalls = new Set<string>();
  /** `interrupt` calls, and what each answered. */
  readonly interrupts: boolean[] = [];
  /** Every `pushToTalk`, in order. */
  readonly pushes: boolean[] = [];
  /** What the next `interrupt` answers (whether a turn was thinking or speaking). */
  busy = false;
  /** Thrown by the next method called, once. */
  failNext: Error | null = null;
  #turns = 0;

  #maybeFail(): void {
    const e = this.failNext;
    this.failNext = null;
    if (e) throw e;
  }

  sendText(text: string): { turnId: string } {
    this.#maybeFail();
    this.texts.push(text);
    return { turnId: `turn-${++this.#turns}` };
  }

  sendImage(image: LlmImage, text?: string): { turnId: string } {
    this.#maybeFail();
    this.images.push({ image, text });
    return { turnId: `turn-${++this.#turns}` };
  }

  registerTools(tools: LlmTool[]): void {
    this.#maybeFail();
    this.toolLists.push(tools);
  }

  toolResult(callId: string, outcome: ToolOutcome): void {
    this.#maybeFail();
    if (!this.openCalls.delete(callId)) throw new SightlineError('ERR_NOT_FOUND', 'no such tool call');
    this.results.push({ callId, outcome });
  }

  focusVideo(target: VideoFocusTarget | null): void {
    this.#maybeFail();
    this.focuses.push(target);
  }

  interrupt(): { interrupted: boolean } {
    this.#maybeFail();
    const interrupted = this.busy;
    this.busy = false;
    this.interrupts.push(interrupted);
    return { interrupted };
  }

  pushToTalk(pressed: boolean): void {
    this.#maybeFail();
    this.pushes.push(pressed);
  }

  get touched(): number {
    return this.texts.length + this.images.length + this.toolLists.length + this.results.length;
  }
}
