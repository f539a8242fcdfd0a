import type { Ocr, OcrImage, OcrTextLine } from '../../../models/roles/ocr.js';
import { FakeCall, type FakeTiming } from './timing.js';

export interface FakeOcrOptions extends FakeTiming {
  /** The lines to find, or how to find them in an image (default: none). */
  lines?: OcrTextLine[] | ((image: OcrImage) => OcrTextLine[]);
}

/** A scripted OCR with timing knobs; records the size of each image it was shown. */
export class FakeOcr implements Ocr {
  readonly name = 'fake-ocr';
  readonly requests: { width: number; height: number }[] = [];
  readonly #o: FakeOcrOptions;

  constructor(options: FakeOcrOptions = {}) {
    this.#o = options;
  }

  async read(image: OcrImage, options: { signal?: AbortSignal } = {}): Promise<OcrTextLine[]> {
    this.requests.push({ width: image.width, height: image.height });
    const call = new FakeCall(this.#o, this.requests.length, options.signal);
    await call.beforeItem();
    const l = this.#o.lines;
    return typeof l === 'function' ? l(image) : (l ?? []);
  }

  async dispose(): Promise<void> {}
}
