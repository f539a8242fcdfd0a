import type { LlmImage, LlmVideoFrame } from '../../models/roles/llm.js';
import { SightlineError } from '../../protocol/errors.js';
import { type BudgetEntry, pickVictims } from './budget.js';

/** Settings of the temporal token compressor. Times are ms of the frames' `ptsMs`. */
export interface CompressorOptions {
  /** Cosine at or above which a token counts as unchanged and is merged away (not re-sent). */
  similarity: number;
  /** A frame with at least this share of changed tokens starts a new scene and is kept whole. */
  sceneCut: number;
  /**
   * Most visual tokens in the context. Default 2048: SmolVLM2's context is 8192 tokens; 2048
   * visual tokens (32 whole frames) plus their `Frame from mm:ss` markers (~10 tokens each, ≤ 320)
   * leave ~5.8k for the system prompt and tool descriptions (~0.6k), OCR text, the history and
   * the answer. It also bounds the prefill a new frame can cost (2048 tokens ≈ 1.6 s at the
   * measured 0.41 s per 512 on 2 cores) when the visual block is not in the KV cache yet.
   */
  maxTokens: number;
  /** Most frames in the context (image-only backends send each as an image; each costs a marker). */
  maxFrames: number;
  /** The last this-many ms are kept dense when the budget bites; further back gets sparser. */
  denseWindowMs: number;
  /** Before the dense window, frames closer than this to the one before them are dropped first. */
  sparseIntervalMs: number;
}

/** The documented defaults of {@link CompressorOptions}. */
export const COMPRESSOR_DEFAULTS: Readonly<CompressorOptions> = Object.freeze({
  similarity: 0.9,
  sceneCut: 0.5,
  maxTokens: 2048,
  maxFrames: 32,
  denseWindowMs: 10_000,
  sparseIntervalMs: 5_000,
});

/** The encoder the rows come from (a `VisionEncoder` fits). */
export interface EncoderShape {
  readonly name: string;
  readonly tokensPerFrame: number;
  readonly hidden: number;
}

/** What became of one frame. */
export interface CompressResult {
  /** Tokens of this frame kept (0: the frame is not listed). */
  kept: number;
  /** Tokens of this frame merged away (their content is already in the context). */
  merged: number;
  /** Tokens of this frame below `similarity` to the context (all of a scene start's are kept, changed or not). */
  changed: number;
  sceneStart: boolean;
  /** Frames (and their tokens) the budget dropped from the context to make room. */
  framesDropped: number;
  tokensDropped: number;
}

/** Running totals of a compressor. Cumulative unless said otherwise. */
export interface CompressorStats {
  framesIn: number;
  /** Frames in the context now. */
  framesInContext: number;
  /** Tokens in the context now. */
  tokensInContext: number;
  tokensIn: number;
  tokensKept: number;
  tokensMerged: number;
  /** Kept tokens the budget dropped later. */
  tokensDropped: number;
  framesDropped: number;
  scenes: number;
}

interface Entry extends BudgetEntry {
  image: LlmImage;
  /** Kept rows (tokens × hidden) and their grid positions; null for an image-only frame. */
  rows: Float32Array | null;
  positions: Uint16Array | null;
  norms: Float32Array | null;
}

function validate(o: CompressorOptions): void {
  const bad = (what: string) => {
    throw new SightlineError('ERR_INVALID_ARGUMENT', `compressor: ${what}`);
  };
  for (const [k, v] of Object.entries(o))
    if (!(Number.isFinite(v) && v >= 0)) bad(`${k} must be ≥ 0, got ${v}`);
  if (o.similarity > 1 || o.sceneCut > 1) bad('similarity and sceneCut are at most 1');
  if (o.maxFrames < 1) bad('maxFrames must be ≥ 1');
}

function rowNorm(rows: Float32Array, at: number, hidden: number): number {
  let s = 0;
  for (let k = at; k < at + hidden; k++) s += (rows[k] as number) * (rows[k] as number);
  return Math.sqrt(s);
}

/**
 * The temporal token compressor (training-free, before the LLM; after FrameFusion, Temporal
 * Token Fusion and STTM). Each encoded frame's token i is compared (cosine) with the token at
 * grid position i that the context already holds: the row last kept there, which is the
 * previous kept frame's row or, where that frame merged it away, the older row it was merged
 * into. A slow drift is therefore re-sent once it has moved past `similarity` from what the
 * model saw, instead of being compared link by link. Tokens at or above `similarity` are merged
 * (not re-sent); a frame whose share of changed tokens reaches `sceneCut` starts a new scene and
 * is kept whole; a frame that keeps no token is not listed. Kept tokens keep their frame's true
 * `ptsMs` and their grid position. Over budget, the oldest go first (see {@link pickVictims}).
 *
 * Without an encoder (`encoder: null`) it keeps the images the caller adds, with scene starts as
 * the caller says, under `maxFrames`. Pure and synchronous.
 */
export class TokenCompressor {
  readonly options: Readonly<CompressorOptions>;
  readonly encoder: EncoderShape | null;
  #entries: Entry[] = [];
  /** Per grid position, the context's row there: its entry and row index in it. */
  #ref: ({ entry: Entry; row: number } | null)[];
  #scene = 0;
  #lastPtsMs = Number.NEGATIVE_INFINITY;
  #stats: CompressorStats = {
    framesIn: 0,
    framesInContext: 0,
    tokensInContext: 0,
    tokensIn: 0,
    tokensKept: 0,
    tokensMerged: 0,
    tokensDropped: 0,
    framesDropped: 0,
    scenes: 0,
  };

  constructor(encoder: EncoderShape | null, options: Partial<CompressorOptions> = {}) {
    const o = { ...COMPRESSOR_DEFAULTS };
    for (const k of Object.keys(o) as (keyof CompressorOptions)[]) o[k] = options[k] ?? o[k];
    validate(o);
    if (
      encoder &&
      !(encoder.tokensPerFrame >= 1 && encoder.tokensPerFrame <= 65_536 && encoder.hidden >= 1)
    ) {
      throw new SightlineError(
        'ERR_INVALID_ARGUMENT',
        `compressor: bad encoder shape ${encoder.tokensPerFrame}×${encoder.hidden}`,
      );
    }
    if (encoder && o.maxTokens < encoder.tokensPerFrame) {
      throw new SightlineError(
        'ERR_INVALID_ARGUMENT',
        `compressor: maxTokens ${o.maxTokens} cannot hold one frame of ${encoder.tokensPerFrame} tokens`,
      );
    }
    this.options = o;
    this.encoder = encoder;
    this.#ref = new Array(encoder?.tokensPerFrame ?? 0).fill(null);
  }

  stats(): CompressorStats {
    return { ...this.#stats };
  }

  #checkTime(ptsMs: number): void {
    if (!(ptsMs > this.#lastPtsMs)) {
      throw new SightlineError(
        'ERR_INVALID_ARGUMENT',
        `compressor: frame at ${ptsMs} ms after one at ${this.#lastPtsMs} ms`,
      );
    }
    this.#lastPtsMs = ptsMs;
  }

  /** Adds an encoded frame: `rows` is `tokensPerFrame × hidden`, row-major grid order. */
  add(frame: LlmImage & { ptsMs: number }, rows: Float32Array): CompressResult {
    const enc = this.encoder;
    if (!enc) throw new SightlineError('ERR_INVALID_STATE', 'compressor: no encoder; use addImage');
    const { tokensPerFrame: n, hidden: d } = enc;
    if (rows.length !== n * d) {
      throw new SightlineError(
        'ERR_INVALID_ARGUMENT',
        `compressor: ${rows.length} values for ${n}×${d} rows`,
      );
    }
    this.#checkTime(frame.ptsMs);
    this.#stats.framesIn++;
    this.#stats.tokensIn += n;
    const norms = new Float32Array(n);
    const changed: number[] = [];
    for (let i = 0; i < n; i++) {
      norms[i] = rowNorm(rows, i * d, d);
      if (this.#cosine(rows, i, norms[i] as number) < this.options.similarity) changed.push(i);
    }
    const sceneStart = this.#entries.length === 0 || changed.length / n >= this.options.sceneCut;
    const keep = sceneStart ? Array.from({ length: n }, (_, i) => i) : changed;
    const merged = n - keep.length;
    this.#stats.tokensMerged += merged;
    if (keep.length === 0)
      return { kept: 0, merged, changed: 0, sceneStart: false, framesDropped: 0, tokensDropped: 0 };

    const keptRows = new Float32Array(keep.length * d);
    const keptNorms = new Float32Array(keep.length);
    for (const [k, i] of keep.entries()) {
      keptRows.set(rows.subarray(i * d, (i + 1) * d), k * d);
      keptNorms[k] = norms[i] as number;
    }
    const entry = this.#push(frame, sceneStart, keptRows, Uint16Array.from(keep), keptNorms);
    for (const [k, i] of keep.entries()) this.#ref[i] = { entry, row: k };
    this.#stats.tokensKept += keep.length;
    return { kept: keep.length, merged, changed: changed.length, sceneStart, ...this.#enforce() };
  }

  /** Adds a frame without tokens (no encoder): kept as an image; `sceneStart` as the caller judged. */
  addImage(frame: LlmImage & { ptsMs: number }, sceneStart: boolean): CompressResult {
    if (this.encoder)
      throw new SightlineError('ERR_INVALID_STATE', 'compressor: frames need their rows; use add');
    this.#checkTime(frame.ptsMs);
    this.#stats.framesIn++;
    const start = sceneStart || this.#entries.length === 0;
    this.#push(frame, start, null, null, null);
    return { kept: 0, merged: 0, changed: 0, sceneStart: start, ...this.#enforce() };
  }

  /**
   * The context, oldest first: each kept frame with its true `ptsMs`, its image and (with an
   * encoder) its kept rows and their grid positions.
   */
  frames(): LlmVideoFrame[] {
    const enc = this.encoder;
    return this.#entries.map((e) => {
      const f: LlmVideoFrame = {
        rgb: e.image.rgb,
        width: e.image.width,
        height: e.image.height,
        ptsMs: e.ptsMs,
      };
      if (enc && e.rows && e.positions) {
        f.tokens = {
          encoder: enc.name,
          rows: e.rows,
          hidden: enc.hidden,
          positions: e.positions,
          tokensPerFrame: enc.tokensPerFrame,
        };
      }
      return f;
    });
  }

  /** Cosine of row `i` of `rows` with the context's row at position `i` (−1 when it has none). */
  #cosine(rows: Float32Array, i: number, norm: number): number {
    const ref = this.#ref[i];
    if (!ref?.entry.rows || !ref.entry.norms) return -1;
    const d = this.encoder?.hidden ?? 0;
    const refNorm = ref.entry.norms[ref.row] as number;
    if (norm === 0 || refNorm === 0) return norm === refNorm ? 1 : 0;
    const a = i * d;
    const b = ref.row * d;
    const r = ref.entry.rows;
    let dot = 0;
    for (let k = 0; k < d; k++) dot += (rows[a + k] as number) * (r[b + k] as number);
    return dot / (norm * refNorm);
  }

  #push(
    frame: LlmImage & { ptsMs: number },
    sceneStart: boolean,
    rows: Float32Array | null,
    positions: Uint16Array | null,
    norms: Float32Array | null,
  ): Entry {
    if (sceneStart) {
      this.#scene++;
      this.#stats.scenes++;
    }
    const entry: Entry = {
      ptsMs: frame.ptsMs,
      tokens: positions?.length ?? 0,
      scene: this.#scene,
      sceneStart,
      image: { rgb: frame.rgb, width: frame.width, height: frame.height },
      rows,
      positions,
      norms,
    };
    this.#entries.push(entry);
    this.#stats.framesInContext++;
    this.#stats.tokensInContext += entry.tokens;
    return entry;
  }

  /** Drops the oldest until the context fits; returns what went. */
  #enforce(): { framesDropped: number; tokensDropped: number } {
    const o = this.options;
    let framesDropped = 0;
    let tokensDropped = 0;
    while (this.#stats.tokensInContext > o.maxTokens || this.#entries.length > o.maxFrames) {
      const victims = pickVictims(this.#entries, { ...o, wholeScenes: this.encoder !== null });
      if (!victims) break;
      const gone = new Set(victims.map((i) => this.#entries[i] as Entry));
      this.#entries = this.#entries.filter((e) => !gone.has(e));
      for (const e of gone) {
        framesDropped++;
        tokensDropped += e.tokens;
        this.#stats.framesInContext--;
        this.#stats.tokensInContext -= e.tokens;
      }
      this.#repointRefs(gone);
    }
    this.#stats.framesDropped += framesDropped;
    this.#stats.tokensDropped += tokensDropped;
    return { framesDropped, tokensDropped };
  }

  /** Positions whose row left the context now compare with the newest row still there (or none). */
  #repointRefs(gone: Set<Entry>): void {
    const open = new Set<number>();
    for (let i = 0; i < this.#ref.length; i++) {
      const ref = this.#ref[i];
      if (ref && gone.has(ref.entry)) {
        this.#ref[i] = null;
        open.add(i);
      }
    }
    // One pass, newest first: each open position takes the first row found for it.
    for (let j = this.#entries.length - 1; j >= 0 && open.size > 0; j--) {
      const e = this.#entries[j] as Entry;
      if (!e.positions) continue;
      for (const [row, i] of e.positions.entries()) {
        if (open.delete(i)) this.#ref[i] = { entry: e, row };
      }
    }
  }
}
