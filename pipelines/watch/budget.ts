/** What the budget needs to know of a kept frame. */
export interface BudgetEntry {
  ptsMs: number;
  /** Kept tokens (0 for an image-only frame). */
  tokens: number;
  scene: number;
  /** The first frame of its scene (kept whole). */
  sceneStart: boolean;
}

/** How the past is thinned when the context is over budget. */
export interface BudgetRules {
  /** The last this-many ms before the newest frame are kept dense (thinned last). */
  denseWindowMs: number;
  /** Further back, frames closer than this to the frame before them go first. */
  sparseIntervalMs: number;
  /**
   * A scene's later frames hold only what changed (token frames): they go with their scene's
   * first frame. False for whole images, which stand on their own.
   */
  wholeScenes: boolean;
}

/**
 * The entries (oldest first) to drop next to shrink the context, or null when
 * only the newest frame is left. Oldest first within each rule, in this order:
 *
 * 1. a frame before the dense window, not a scene start, closer than
 *    `sparseIntervalMs` to the frame before it (the past gets sparser);
 * 2. any frame before the dense window that is not a scene start;
 * 3. an older scene's first frame before the dense window (each scene keeps
 *    its first frame until then), with the rest of its scene when
 *    `wholeScenes`;
 * 4. a frame in the dense window that is not a scene start;
 * 5. an older scene's first frame (with its scene when `wholeScenes`);
 * 6. anything but the newest frame (the budget cannot hold two frames).
 *
 * The newest scene's first frame is never dropped before rule 6: its later
 * frames build on it.
 */
export function pickVictims(entries: readonly BudgetEntry[], rules: BudgetRules): number[] | null {
  const last = entries.length - 1;
  const newest = entries[last];
  if (!newest || last === 0) return null;
  const horizonMs = newest.ptsMs - rules.denseWindowMs;
  const find = (test: (e: BudgetEntry, i: number) => boolean): number => {
    for (let i = 0; i < last; i++) if (test(entries[i] as BudgetEntry, i)) return i;
    return -1;
  };
  const wholeScene = (i: number): number[] => {
    if (!rules.wholeScenes) return [i];
    const scene = (entries[i] as BudgetEntry).scene;
    return entries.flatMap((e, j) => (e.scene === scene ? [j] : []));
  };
  const old = (e: BudgetEntry) => e.ptsMs < horizonMs;
  const prevGap = (i: number) => (i === 0 ? Number.POSITIVE_INFINITY : gapBefore(entries, i));

  let i = find((e, j) => old(e) && !e.sceneStart && prevGap(j) < rules.sparseIntervalMs);
  if (i >= 0) return [i];
  i = find((e) => old(e) && !e.sceneStart);
  if (i >= 0) return [i];
  i = find((e) => old(e) && e.sceneStart && e.scene !== newest.scene);
  if (i >= 0) return wholeScene(i);
  i = find((e) => !e.sceneStart);
  if (i >= 0) return [i];
  i = find((e) => e.sceneStart && e.scene !== newest.scene);
  if (i >= 0) return wholeScene(i);
  return [0];
}

function gapBefore(entries: readonly BudgetEntry[], i: number): number {
  return (entries[i] as BudgetEntry).ptsMs - (entries[i - 1] as BudgetEntry).ptsMs;
}
