import { mulberry32 } from '../runtime/random.js';

/** How the next token is chosen. `temperature: 0` is greedy. */
export interface SamplingOptions {
  temperature?: number;
  topP?: number;
  /** > 1 discourages tokens already in the sequence (CTRL-style: divide positive logits, multiply negative). */
  repetitionPenalty?: number;
  seed?: number;
}

/** Picks tokens from logits; holds its own seeded random source so runs are reproducible. */
export class Sampler {
  readonly #o: Required<Omit<SamplingOptions, 'seed'>>;
  readonly #random: () => number;

  constructor(options: SamplingOptions = {}) {
    this.#o = {
      temperature: options.temperature ?? 0,
      topP: options.topP ?? 1,
      repetitionPenalty: options.repetitionPenalty ?? 1,
    };
    this.#random = mulberry32(options.seed ?? 42);
  }

  /** Chooses the next token. `logits` is modified. */
  next(logits: Float32Array, previous: readonly number[]): number {
    const { temperature, topP, repetitionPenalty } = this.#o;
    if (repetitionPenalty !== 1) {
      for (const id of new Set(previous)) {
        const v = logits[id] as number;
        logits[id] = v > 0 ? v / repetitionPenalty : v * repetitionPenalty;
      }
    }
    let best = 0;
    for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
    if (temperature <= 0) return best;
    const max = logits[best] as number;
    const order: number[] = [];
    const probs = new Float64Array(logits.length);
    let sum = 0;
    for (let i = 0; i < logits.length; i++) {
      const p = Math.exp(((logits[i] as number) - max) / temperature);
      probs[i] = p;
      sum += p;
      if (p > 0) order.push(i);
    }
    order.sort((a, b) => (probs[b] as number) - (probs[a] as number));
    // Nucleus: the smallest set of most likely tokens whose mass reaches topP.
    let kept = 0;
    let mass = 0;
    for (const i of order) {
      mass += (probs[i] as number) / sum;
      kept++;
      if (mass >= topP) break;
    }
    let r = this.#random() * mass;
    for (let k = 0; k < kept; k++) {
      const i = order[k] as number;
      r -= (probs[i] as number) / sum;
      if (r <= 0) return i;
    }
    return order[kept - 1] as number;
  }
}
