import type { LlmImage, VisionEncoder } from '../../../models/roles/llm.js';
import { mulberry32 } from '../../../models/runtime/random.js';
import { SightlineError } from '../../../protocol/errors.js';
import { FakeCall, type FakeTiming } from './timing.js';

export interface FakeVisionOptions extends FakeTiming {
  /** Rows per frame; a square number (the grid is √n × √n). Default 64 (SmolVLM's 8 × 8). */
  tokensPerFrame?: number;
  /** Row width. Default 576 (SmolVLM2-256M). */
  hidden?: number;
  /** Seed of the fixed projection. */
  seed?: number;
}

/** Sub-cells per grid cell side: each token sees its cell's 4 × 4 mean colours (like a pixel-shuffled 4 × 4 patch group). */
const SUB = 4;
/** Features per token: a constant plus 4 × 4 sub-cells × RGB, centred on mid-grey. */
const FEATURES = 1 + SUB * SUB * 3;

/**
 * A vision encoder stand-in whose rows follow the pixels: the frame is cut
 * into a √n × √n grid (row-major, like SmolVLM's 8 × 8), each cell's 4 × 4
 * sub-cell mean colours (centred, plus a constant so a flat mid-grey cell is
 * not a zero vector) are projected to `hidden` by a fixed seeded matrix. Similar
 * frames give rows with cosine near 1; a new picture in a cell gives a low
 * cosine there. Timing knobs as the other fakes (the delay is per frame);
 * records each request and the most encodes ever in flight at once.
 */
export class FakeVision implements VisionEncoder {
  readonly name = 'fake-vision';
  readonly tokensPerFrame: number;
  readonly hidden: number;
  readonly requests: { width: number; height: number }[] = [];
  readonly #o: FakeVisionOptions;
  readonly #grid: number;
  readonly #projection: Float32Array;
  #inFlight = 0;
  #maxInFlight = 0;

  constructor(options: FakeVisionOptions = {}) {
    this.#o = options;
    this.tokensPerFrame = options.tokensPerFrame ?? 64;
    this.hidden = options.hidden ?? 576;
    this.#grid = Math.round(Math.sqrt(this.tokensPerFrame));
    if (this.#grid * this.#grid !== this.tokensPerFrame || this.hidden < 1) {
      throw new SightlineError(
        'ERR_INVALID_ARGUMENT',
        `fake-vision: ${this.tokensPerFrame} is not a square grid`,
      );
    }
    const rand = mulberry32(options.seed ?? 7);
    const scale = Math.sqrt(3 / FEATURES);
    this.#projection = Float32Array.from({ length: FEATURES * this.hidden }, () => (rand() * 2 - 1) * scale);
  }

  /** Encodes running now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** The most encodes that ever ran at once. */
  get maxInFlight(): number {
    return this.#maxInFlight;
  }

  async encodeFrame(frame: LlmImage, options: { signal?: AbortSignal } = {}): Promise<Float32Array> {
    this.requests.push({ width: frame.width, height: frame.height });
    const call = new FakeCall(this.#o, this.requests.length, options.signal);
    this.#inFlight++;
    this.#maxInFlight = Math.max(this.#maxInFlight, this.#inFlight);
    try {
      await call.beforeItem();
      return this.#rows(frame);
    } finally {
      this.#inFlight--;
    }
  }

  #rows(frame: LlmImage): Float32Array {
    const g = this.#grid;
    const side = g * SUB;
    const { rgb, width, height } = frame;
    const sum = new Float64Array(side * side * 3);
    const count = new Uint32Array(side * side);
    for (let y = 0; y < height; y++) {
      const sy = Math.min(side - 1, Math.floor((y * side) / height));
      for (let x = 0; x < width; x++) {
        const s = sy * side + Math.min(side - 1, Math.floor((x * side) / width));
        const p = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) sum[s * 3 + c] = (sum[s * 3 + c] as number) + (rgb[p + c] as number);
        count[s] = (count[s] as number) + 1;
      }
    }
    const d = this.hidden;
    const out = new Float32Array(this.tokensPerFrame * d);
    const f = new Float32Array(FEATURES);
    for (let cy = 0; cy < g; cy++) {
      for (let cx = 0; cx < g; cx++) {
        f[0] = 1;
        let k = 1;
        for (let sy = 0; sy < SUB; sy++) {
          for (let sx = 0; sx < SUB; sx++) {
            const s = (cy * SUB + sy) * side + cx * SUB + sx;
            const n = Math.max(1, count[s] as number);
            for (let c = 0; c < 3; c++) f[k++] = (sum[s * 3 + c] as number) / n / 127.5 - 1;
          }
        }
        const row = (cy * g + cx) * d;
        for (let j = 0; j < FEATURES; j++) {
          const v = f[j] as number;
          const w = j * d;
          for (let h = 0; h < d; h++)
            out[row + h] = (out[row + h] as number) + v * (this.#projection[w + h] as number);
        }
      }
    }
    return out;
  }
}
