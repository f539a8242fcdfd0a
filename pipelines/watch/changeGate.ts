import type { LlmImage } from '../../models/roles/llm.js';
import { SightlineError } from '../../protocol/errors.js';

/** Settings of the change gate. Grey levels are 0–255; rates are frames per second of `ptsMs`. */
export interface ChangeGateOptions {
  /** Thumbnail size the frames are compared at (a box filter over the RGB). */
  thumbWidth: number;
  thumbHeight: number;
  /**
   * Mean absolute difference (grey levels) of the thumbnail against the last passed frame at or
   * above which a frame is new. Default 4: sensor noise averages out in the box filter (a 640×480
   * frame gives 400 pixels per thumbnail cell, so noise of σ 3 levels leaves σ 0.15), while a
   * camera pan, a hand or a new slide moves the mean by tens of levels.
   */
  meanDiffThreshold: number;
  /**
   * A thumbnail cell whose grey level moved by at least this much counts as changed ...
   */
  cellDiffThreshold: number;
  /**
   * ... and a frame with at least this share of changed cells is new even when the mean barely
   * moved (a small object entering a still scene). Default 0.01 (8 of 768 cells: a 32 px square in
   * a 320×240 frame); noise never moves a cell by `cellDiffThreshold`.
   */
  changedCellShare: number;
  /** A frame passes this long after the last passed one even when nothing changed. */
  heartbeatMs: number;
  /** Most frames passed per second while the person speaks. */
  maxFps: number;
  /** Most frames passed per second while nobody speaks. */
  idleFps: number;
}

/** The documented defaults of {@link ChangeGateOptions}. */
export const CHANGE_GATE_DEFAULTS: Readonly<ChangeGateOptions> = Object.freeze({
  thumbWidth: 32,
  thumbHeight: 24,
  meanDiffThreshold: 4,
  cellDiffThreshold: 24,
  changedCellShare: 0.01,
  heartbeatMs: 5000,
  maxFps: 1,
  idleFps: 0.3,
});

/** Why a frame passed the gate or not. */
export type GateReason = 'first' | 'change' | 'heartbeat' | 'rate' | 'same' | 'out-of-order';

/** The gate's verdict on one frame. */
export interface GateDecision {
  pass: boolean;
  reason: GateReason;
  /** Mean absolute thumbnail difference against the last passed frame (grey levels; 255 for the first). */
  meanDiff: number;
  /** Share of thumbnail cells that moved by `cellDiffThreshold` or more (1 for the first). */
  changedShare: number;
}

function validate(o: ChangeGateOptions): void {
  const bad = (what: string) => {
    throw new SightlineError('ERR_INVALID_ARGUMENT', `change gate: ${what}`);
  };
  for (const [k, v] of Object.entries(o))
    if (!(Number.isFinite(v) && v >= 0)) bad(`${k} must be ≥ 0, got ${v}`);
  if (
    o.thumbWidth < 1 ||
    o.thumbHeight < 1 ||
    !Number.isInteger(o.thumbWidth) ||
    !Number.isInteger(o.thumbHeight)
  )
    bad('the thumbnail needs whole, positive sides');
  if (o.maxFps <= 0 || o.idleFps <= 0) bad('maxFps and idleFps must be > 0');
}

/**
 * A grey thumbnail of `image` by a box filter over its RGB (BT.601 luma), `tw × th` cells, each
 * the mean of the pixels that fall in it. Rows and columns are sampled with a stride that keeps
 * the cost near 40k pixels whatever the frame size.
 */
export function greyThumbnail(image: LlmImage, tw: number, th: number): Float32Array {
  const { rgb, width, height } = image;
  if (width < 1 || height < 1 || rgb.length < width * height * 3) {
    throw new SightlineError(
      'ERR_INVALID_ARGUMENT',
      `change gate: ${width}×${height} frame with ${rgb.length} bytes`,
    );
  }
  const sum = new Float64Array(tw * th);
  const count = new Uint32Array(tw * th);
  const stride = Math.max(1, Math.floor(Math.sqrt((width * height) / 40_000)));
  for (let y = 0; y < height; y += stride) {
    const cy = Math.min(th - 1, Math.floor((y * th) / height));
    const row = y * width * 3;
    for (let x = 0; x < width; x += stride) {
      const cx = Math.min(tw - 1, Math.floor((x * tw) / width));
      const p = row + x * 3;
      const grey =
        0.299 * (rgb[p] as number) + 0.587 * (rgb[p + 1] as number) + 0.114 * (rgb[p + 2] as number);
      const c = cy * tw + cx;
      sum[c] = (sum[c] as number) + grey;
      count[c] = (count[c] as number) + 1;
    }
  }
  const out = new Float32Array(tw * th);
  for (let c = 0; c < out.length; c++) out[c] = (sum[c] as number) / Math.max(1, count[c] as number);
  return out;
}

/**
 * Decides which camera frames are worth encoding: a frame passes when its thumbnail differs from
 * the last passed frame's (by the mean, or by enough changed cells), or as a heartbeat
 * `heartbeatMs` after the last pass; never faster than `maxFps` while the person speaks or
 * `idleFps` otherwise. Time is the frames' `ptsMs`. Pure and synchronous: a few hundred µs a frame.
 */
export class ChangeGate {
  readonly options: Readonly<ChangeGateOptions>;
  #speaking = false;
  #last: { thumb: Float32Array; ptsMs: number } | null = null;
  #lastSeenMs = Number.NEGATIVE_INFINITY;

  constructor(options: Partial<ChangeGateOptions> = {}) {
    const o = { ...CHANGE_GATE_DEFAULTS };
    for (const k of Object.keys(o) as (keyof ChangeGateOptions)[]) o[k] = options[k] ?? o[k];
    validate(o);
    this.options = o;
  }

  /** The rate bound follows whether the person speaks. */
  setUserSpeaking(speaking: boolean): void {
    this.#speaking = speaking;
  }

  get userSpeaking(): boolean {
    return this.#speaking;
  }

  /** The smallest gap between two passed frames now (ms). */
  get minIntervalMs(): number {
    return 1000 / (this.#speaking ? this.options.maxFps : this.options.idleFps);
  }

  /** Judges one frame; a passed frame becomes the reference for the next. */
  offer(frame: LlmImage & { ptsMs: number }): GateDecision {
    const o = this.options;
    if (frame.ptsMs <= this.#lastSeenMs)
      return { pass: false, reason: 'out-of-order', meanDiff: 0, changedShare: 0 };
    this.#lastSeenMs = frame.ptsMs;
    const last = this.#last;
    if (last && frame.ptsMs - last.ptsMs < this.minIntervalMs) {
      return { pass: false, reason: 'rate', meanDiff: 0, changedShare: 0 };
    }
    const thumb = greyThumbnail(frame, o.thumbWidth, o.thumbHeight);
    if (!last) {
      this.#last = { thumb, ptsMs: frame.ptsMs };
      return { pass: true, reason: 'first', meanDiff: 255, changedShare: 1 };
    }
    let total = 0;
    let changed = 0;
    for (let c = 0; c < thumb.length; c++) {
      const d = Math.abs((thumb[c] as number) - (last.thumb[c] as number));
      total += d;
      if (d >= o.cellDiffThreshold) changed++;
    }
    const meanDiff = total / thumb.length;
    const changedShare = changed / thumb.length;
    let reason: GateReason = 'same';
    if (meanDiff >= o.meanDiffThreshold || (changed > 0 && changedShare >= o.changedCellShare))
      reason = 'change';
    else if (frame.ptsMs - last.ptsMs >= o.heartbeatMs) reason = 'heartbeat';
    if (reason === 'same') return { pass: false, reason, meanDiff, changedShare };
    this.#last = { thumb, ptsMs: frame.ptsMs };
    return { pass: true, reason, meanDiff, changedShare };
  }
}
