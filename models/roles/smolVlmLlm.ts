import type { Logger } from '../../core/log.js';
import type { SessionThreads } from '../runtime/onnxModel.js';
import { preprocessStill, preprocessVideoFrame, type VisionInput } from '../vision/smolvlmImage.js';
import type { ChatMessage, ContentPart, MediaBlock } from '../vlm/prompt.js';
import { SmolVlmRunner } from '../vlm/smolvlm.js';
import type { Llm, LlmMessage, LlmRequestOptions, LlmToken, LlmVideoFrame } from './llm.js';

/** A clip's frame times from its first frame, and its length (one frame interval past the last). */
function clipTimes(frames: LlmVideoFrame[]): { frameTimesMs: number[]; durationMs: number } {
  const first = frames[0]?.ptsMs ?? 0;
  const frameTimesMs = frames.map((f) => f.ptsMs - first);
  const span = frameTimesMs.at(-1) ?? 0;
  const interval = frames.length > 1 ? span / (frames.length - 1) : 0;
  return { frameTimesMs, durationMs: span + interval };
}

/** SmolVLM2 as the LLM role: images as tiles + global image, clips as timestamped frames. */
export class SmolVlmLlm implements Llm {
  readonly name = 'smolvlm';
  /** Tools are described in the prompt and parsed from text by the dialog. */
  readonly nativeTools = false;
  readonly visionEncoder: string | null = null;
  readonly #runner: SmolVlmRunner;

  constructor(runner: SmolVlmRunner) {
    this.#runner = runner;
  }

  static async load(dir: string, options: { threads?: SessionThreads; log?: Logger } = {}) {
    return new SmolVlmLlm(await SmolVlmRunner.load(dir, options));
  }

  async *generate(messages: LlmMessage[], options: LlmRequestOptions = {}): AsyncGenerator<LlmToken> {
    const chat: ChatMessage[] = [];
    const media: MediaBlock[] = [];
    const pixels: VisionInput[] = [];
    for (const m of messages) {
      const content: ContentPart[] = [];
      for (const part of m.content) {
        if (part.type === 'text') content.push(part);
        else if (part.type === 'image') {
          const input = await preprocessStill(part.image, this.#runner.imageConfig);
          content.push({ type: 'image' });
          media.push({ kind: 'image', rows: input.rows, cols: input.cols });
          pixels.push(input);
        } else {
          content.push({ type: 'video' });
          media.push({ kind: 'video', ...clipTimes(part.frames) });
          for (const f of part.frames) pixels.push(await preprocessVideoFrame(f, this.#runner.imageConfig));
        }
      }
      // The chat template knows no tool role: a tool's result is shown to the model as a user turn.
      if (m.role === 'tool') content.unshift({ type: 'text', text: `Result of ${m.name}: ` });
      chat.push({ role: m.role === 'tool' ? 'user' : m.role, content });
    }
    const ids = this.#runner.tokenize(this.#runner.buildPrompt(chat, media));
    const rows: Float32Array[] = [];
    for (const p of pixels) rows.push(await this.#runner.encodeImages(p, options.signal));
    const all = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
    rows.reduce((at, r) => {
      all.set(r, at);
      return at + r.length;
    }, 0);
    const embeds = await this.#runner.embed(ids, rows.length > 0 ? all : null, options.signal);
    for await (const t of this.#runner.generate(embeds, {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature,
      signal: options.signal,
    })) {
      yield { text: t.text };
    }
  }

  dispose(): Promise<void> {
    return this.#runner.dispose();
  }
}
