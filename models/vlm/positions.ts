import { ModelError } from '../runtime/errors.js';

/**
 * One block of image-feature rows in a prompt (a tile, a global image, a video
 * frame): `size` rows in the full grid, of which the prompt holds `kept` (the
 * grid index of each kept row, ascending), or all of them when `kept` is null.
 */
export interface ImageRowBlock {
  size: number;
  kept: ArrayLike<number> | null;
}

function keptCount(block: ImageRowBlock): number {
  return block.kept ? block.kept.length : block.size;
}

/**
 * The position id of every prompt token when image blocks may hold only some of
 * their rows: each kept row gets the position it would have had with the whole
 * block present (block start + its grid index), and the tokens after a block
 * continue as if all `size` rows were there (Temporal Token Fusion's coordinate
 * realignment). With every block whole this is 0, 1, …, ids.length − 1.
 * Blocks with no kept rows have no tokens in the prompt and are skipped.
 * The image tokens of one block must be consecutive; counts that do not match
 * the prompt are ERR_MODEL_INPUT.
 */
export function promptPositions(
  ids: readonly number[],
  imageTokenId: number,
  blocks: readonly ImageRowBlock[],
): number[] {
  const present = blocks.filter((b) => keptCount(b) > 0);
  for (const b of present) checkBlock(b);
  const out = new Array<number>(ids.length);
  let next = 0;
  let block = 0;
  let row = 0;
  let start = 0;
  for (const [i, id] of ids.entries()) {
    const current = present[block];
    if (row > 0 && id !== imageTokenId) {
      throw new ModelError(
        'ERR_MODEL_INPUT',
        `image block ${block} has ${row} tokens in the prompt but ${keptCount(current as ImageRowBlock)} kept rows`,
      );
    }
    if (id !== imageTokenId) {
      out[i] = next++;
      continue;
    }
    if (!current) throw new ModelError('ERR_MODEL_INPUT', 'the prompt has more image tokens than kept rows');
    if (row === 0) start = next;
    out[i] = start + (current.kept ? (current.kept[row] as number) : row);
    row++;
    if (row === keptCount(current)) {
      next = start + current.size;
      block++;
      row = 0;
    }
  }
  if (block !== present.length || row !== 0) {
    throw new ModelError(
      'ERR_MODEL_INPUT',
      `the prompt holds ${block} of ${present.length} image blocks with kept rows`,
    );
  }
  return out;
}

function checkBlock(b: ImageRowBlock): void {
  if (!Number.isInteger(b.size) || b.size < 1) {
    throw new ModelError('ERR_MODEL_INPUT', `an image block's size (${b.size}) is not a positive integer`);
  }
  if (!b.kept) return;
  let last = -1;
  for (let k = 0; k < b.kept.length; k++) {
    const p = b.kept[k] as number;
    if (!Number.isInteger(p) || p <= last || p >= b.size) {
      throw new ModelError(
        'ERR_MODEL_INPUT',
        `kept row positions must be ascending integers below ${b.size}; row ${k} is ${p}`,
      );
    }
    last = p;
  }
}
