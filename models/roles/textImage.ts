import type { LlmImage } from './llm.js';

/**
 * A text–image model (SigLIP or CLIP): frames and text in one embedding space,
 * compared by cosine (a dot product, as both sides are L2-normalised).
 * Optional: without one, "when does …" ranks by text alone.
 */
export interface TextImageModel {
  readonly name: string;
  /** Embedding width. */
  readonly dims: number;
  /** L2-normalised image embedding. */
  embedImage(image: LlmImage, options?: { signal?: AbortSignal }): Promise<Float32Array>;
  /** L2-normalised text embedding. */
  embedText(text: string, options?: { signal?: AbortSignal }): Promise<Float32Array>;
  dispose(): Promise<void>;
}
