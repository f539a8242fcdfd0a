import { basename, resolve } from 'node:path';
import { preprocessVideoFrame } from '../vision/smolvlmImage.js';
import type { SmolVlmRunner } from '../vlm/smolvlm.js';
import type { LlmImage, VisionEncoder } from './llm.js';

/**
 * The encoder name of a SmolVLM model directory: `smolvlm:<directory name>`.
 * `VisualTokens` carry it, and `SmolVlmLlm` takes as they are only the tokens
 * whose encoder is its own.
 */
export function smolVlmEncoderName(dir: string): string {
  return `smolvlm:${basename(resolve(dir))}`;
}

/**
 * SmolVLM2's vision encoder as the watch lane's `VisionEncoder`: a frame is
 * resized to one tile (no splitting, as for video) and encoded into
 * `tokensPerFrame` rows (64 after pixel shuffle) of the LLM's width. It shares
 * its runner (and sessions) with the `SmolVlmLlm` that created it, which owns
 * and disposes them.
 */
export class SmolVlmVision implements VisionEncoder {
  readonly name: string;
  readonly tokensPerFrame: number;
  readonly hidden: number;
  readonly #runner: SmolVlmRunner;

  constructor(runner: SmolVlmRunner, name: string) {
    this.#runner = runner;
    this.name = name;
    this.tokensPerFrame = runner.imageSeqLen;
    this.hidden = runner.hidden;
  }

  async encodeFrame(frame: LlmImage, options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    const input = await preprocessVideoFrame(frame, this.#runner.imageConfig);
    return this.#runner.encodeImages(input, options.signal);
  }
}
