import type { Logger } from '../../core/log.js';
import { ModelError } from '../runtime/errors.js';
import type { SessionThreads } from '../runtime/onnxModel.js';
import { preprocessStill, preprocessVideoFrame, type VisionInput } from '../vision/smolvlmImage.js';
import { type ImageRowBlock, promptPositions } from '../vlm/positions.js';
import type { ChatMessage, ContentPart, MediaBlock } from '../vlm/prompt.js';
import { SmolVlmRunner } from '../vlm/smolvlm.js';
import type {
  Llm,
  LlmMessage,
  LlmRequestOptions,
  LlmToken,
  LlmToolCall,
  LlmVideoFrame,
  VisualTokens,
} from './llm.js';
import { SmolVlmVision, smolVlmEncoderName } from './smolVlmVision.js';

/** A prompt ready for the decoder: its text, token ids, inputs_embeds and position ids. */
export interface SmolVlmPrompt {
  prompt: string;
  ids: number[];
  /** T × hidden, image-token rows replaced by the visual features. */
  embeds: Float32Array;
  /** One per token; kept rows of a compressed frame keep their original positions (see `promptPositions`). */
  positionIds: number[];
}

/** Feature rows for the prompt's image blocks, in order: pixels to encode, or rows given as they are. */
type RowSource = { kind: 'pixels'; input: VisionInput } | { kind: 'rows'; rows: Float32Array };

/** A clip's frame times from its first frame, and its length (one frame interval past the last). */
function clipTimes(frames: LlmVideoFrame[]): { frameTimesMs: number[]; durationMs: number } {
  const first = frames[0]?.ptsMs ?? 0;
  const frameTimesMs = frames.map((f) => f.ptsMs - first);
  const span = frameTimesMs.at(-1) ?? 0;
  const interval = frames.length > 1 ? span / (frames.length - 1) : 0;
  return { frameTimesMs, durationMs: span + interval };
}

/**
 * A tool call as the local model writes it (the dialog's text format for
 * backends without native tools): `<tool_call>{"name": …, "arguments": {…}}</tool_call>`.
 * Arguments that are not JSON are kept as a JSON string.
 */
export function toolCallText(call: LlmToolCall): string {
  let args: string;
  try {
    args = JSON.stringify(JSON.parse(call.arguments));
  } catch {
    args = JSON.stringify(call.arguments);
  }
  return `<tool_call>{"name": ${JSON.stringify(call.name)}, "arguments": ${args}}</tool_call>`;
}

/** SmolVLM2 as the LLM role: images as tiles + global image, clips as timestamped frames. */
export class SmolVlmLlm implements Llm {
  readonly name = 'smolvlm';
  /** Tools are described in the prompt and parsed from text by the dialog. */
  readonly nativeTools = false;
  /** Frames whose `tokens.encoder` is this are given to the model as they are (no re-encode). */
  readonly visionEncoder: string;
  /** The watch lane's encoder, on the same runner: its tokens are the ones this model takes. */
  readonly vision: SmolVlmVision;
  readonly #runner: SmolVlmRunner;

  constructor(runner: SmolVlmRunner, encoderName: string) {
    this.#runner = runner;
    this.visionEncoder = encoderName;
    this.vision = new SmolVlmVision(runner, encoderName);
  }

  /** Loads the model in `dir`; `.vision` is its encoder, named after the directory (`smolVlmEncoderName`). */
  static async load(dir: string, options: { threads?: SessionThreads; log?: Logger } = {}) {
    return new SmolVlmLlm(await SmolVlmRunner.load(dir, options), smolVlmEncoderName(dir));
  }

  /**
   * Builds the decoder's input for `messages`: stills as tiles + global image,
   * clips as timestamped frames. A frame's `tokens` from this model's encoder
   * are used as they are (K kept rows → K `<image>` tokens at their original
   * positions; K = 0 leaves the frame out); other frames are encoded here.
   */
  async prepare(messages: LlmMessage[], signal?: AbortSignal): Promise<SmolVlmPrompt> {
    const runner = this.#runner;
    const seqLen = runner.imageSeqLen;
    const chat: ChatMessage[] = [];
    const media: MediaBlock[] = [];
    const sources: RowSource[] = [];
    const blocks: ImageRowBlock[] = [];
    for (const m of messages) {
      const content: ContentPart[] = [];
      for (const part of m.content) {
        if (part.type === 'text') content.push(part);
        else if (part.type === 'image') {
          const input = await preprocessStill(part.image, runner.imageConfig);
          content.push({ type: 'image' });
          media.push({ kind: 'image', rows: input.rows, cols: input.cols });
          sources.push({ kind: 'pixels', input });
          for (let i = 0; i < input.count; i++) blocks.push({ size: seqLen, kept: null });
        } else {
          const { frameTimesMs, durationMs } = clipTimes(part.frames);
          const frameTokens: number[] = [];
          for (const f of part.frames) {
            const tokens = f.tokens?.encoder === this.visionEncoder ? this.#checked(f.tokens) : null;
            frameTokens.push(tokens ? tokens.positions.length : seqLen);
            if (tokens && tokens.positions.length === 0) continue;
            if (tokens) sources.push({ kind: 'rows', rows: tokens.rows });
            else sources.push({ kind: 'pixels', input: await preprocessVideoFrame(f, runner.imageConfig) });
            blocks.push({ size: seqLen, kept: tokens ? tokens.positions : null });
          }
          // A clip all of whose frames were merged away shows nothing.
          if (frameTokens.every((k) => k === 0)) continue;
          content.push({ type: 'video' });
          media.push({ kind: 'video', frameTimesMs, durationMs, frameTokens });
        }
      }
      if (m.role === 'assistant' && m.toolCalls && m.toolCalls.length > 0) {
        const calls = m.toolCalls.map(toolCallText).join('\n');
        const prefix = content.some((c) => c.type === 'text') ? '\n' : '';
        content.push({ type: 'text', text: prefix + calls });
      }
      // The chat template knows no tool role: a tool's result is shown to the model as a user turn.
      if (m.role === 'tool') content.unshift({ type: 'text', text: `Result of ${m.name}: ` });
      if (content.length === 0) continue;
      chat.push({ role: m.role === 'tool' ? 'user' : m.role, content });
    }
    const prompt = runner.buildPrompt(chat, media);
    const ids = runner.tokenize(prompt);
    const positionIds = promptPositions(ids, runner.imageTokenId, blocks);
    const rows: Float32Array[] = [];
    for (const s of sources)
      rows.push(s.kind === 'rows' ? s.rows : await runner.encodeImages(s.input, signal));
    const embeds = await runner.embed(ids, rows.length > 0 ? concat(rows) : null, signal);
    return { prompt, ids, embeds, positionIds };
  }

  async *generate(messages: LlmMessage[], options: LlmRequestOptions = {}): AsyncGenerator<LlmToken> {
    const { embeds, positionIds } = await this.prepare(messages, options.signal);
    for await (const t of this.#runner.generate(embeds, {
      maxNewTokens: options.maxNewTokens,
      temperature: options.temperature,
      signal: options.signal,
      positionIds,
    })) {
      yield { text: t.text };
    }
  }

  dispose(): Promise<void> {
    return this.#runner.dispose();
  }

  /** Visual tokens of this model's encoder, checked against its sizes (ERR_MODEL_INPUT otherwise). */
  #checked(tokens: VisualTokens): VisualTokens {
    const { hidden, imageSeqLen } = this.#runner;
    if (
      tokens.hidden !== hidden ||
      tokens.tokensPerFrame !== imageSeqLen ||
      tokens.rows.length !== tokens.positions.length * hidden
    ) {
      throw new ModelError(
        'ERR_MODEL_INPUT',
        `visual tokens of ${tokens.positions.length} rows (${tokens.rows.length} values, hidden ${tokens.hidden}, ` +
          `${tokens.tokensPerFrame} per frame) do not fit ${this.visionEncoder} (hidden ${hidden}, ${imageSeqLen} per frame)`,
      );
    }
    return tokens;
  }
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of parts) {
    out.set(r, at);
    at += r.length;
  }
  return out;
}
