/** A decoded line: its text and the mean probability of the characters kept. */
export interface CtcResult {
  text: string;
  /** Mean of the kept steps' best probabilities; 0 when nothing was kept. */
  confidence: number;
}

/**
 * Greedy CTC decoding of a `[steps, classes]` probability matrix (row-major), as
 * PaddleOCR's `CTCLabelDecode`: take the best class per step, drop blanks (class 0)
 * and repeats of the previous step's class (a blank between two equal classes keeps
 * both). `chars[k]` is the text of class k; `chars[0]` is the blank.
 */
export function ctcGreedyDecode(
  probs: ArrayLike<number>,
  steps: number,
  classes: number,
  chars: readonly string[],
): CtcResult {
  let text = '';
  let sum = 0;
  let count = 0;
  let prev = 0;
  for (let t = 0; t < steps; t++) {
    const row = t * classes;
    let best = 0;
    for (let k = 1; k < classes; k++)
      if ((probs[row + k] as number) > (probs[row + best] as number)) best = k;
    if (best !== 0 && best !== prev) {
      text += chars[best];
      sum += probs[row + best] as number;
      count++;
    }
    prev = best;
  }
  return { text, confidence: count === 0 ? 0 : sum / count };
}
