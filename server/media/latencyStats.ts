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

  /** Percentiles (0–100) of the retained samples, nearest-rank, from one sort; 0 when empty. */
  percentiles(...ps: number[]): number[] {
    return percentiles(this.#ring.subarray(0, this.#count), ps);
  }
}

/** Nearest-rank percentiles of `values` (each 0–100) from one sort; 0 for an empty set. */
export function percentiles(values: ArrayLike<number>, ps: readonly number[]): number[] {
  if (values.length === 0) return ps.map(() => 0);
  const sorted = Float64Array.from(values).sort();
  return ps.map(
    (p) =>
      sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number,
  );
}

/** Nearest-rank percentile of `values` (0–100); 0 for an empty set. */
export function percentile(values: ArrayLike<number>, p: number): number {
  return percentiles(values, [p])[0] as number;
}
