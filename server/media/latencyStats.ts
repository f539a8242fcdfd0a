/** Keeps the most recent `capacity` samples (ms) plus an all-time max, for percentiles. */
export class RollingSamples {
  readonly #ring: Float64Array;
  #count = 0;
  #next = 0;
  #maxMs = 0;
  #total = 0;

  constructor(capacity = 4096) {
    this.#ring = new Float64Array(capacity);
  }

  add(valueMs: number): void {
    this.#ring[this.#next] = valueMs;
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#count = Math.min(this.#count + 1, this.#ring.length);
    this.#maxMs = Math.max(this.#maxMs, valueMs);
    this.#total++;
  }

  /** Forgets every sample (starts a new measurement window). */
  reset(): void {
    this.#count = 0;
    this.#next = 0;
    this.#maxMs = 0;
  }

  /** Samples ever added. */
  get total(): number {
    return this.#total;
  }

  get maxMs(): number {
    return this.#maxMs;
  }

  /** The p-th percentile (0–100) of the retained samples, nearest-rank; 0 when empty. */
  percentile(p: number): number {
    return percentile(this.#ring.subarray(0, this.#count), p);
  }
}

/** Nearest-rank percentile of `values` (0–100); 0 for an empty set. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}
