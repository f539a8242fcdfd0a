import type { Logger } from '../../core/log.js';
import { bundledPpOcrPaths, PpOcr } from '../ocr/ppocr.js';
import type { SessionThreads } from '../runtime/onnxModel.js';
import type { Ocr, OcrImage, OcrTextLine } from './ocr.js';

/** PP-OCRv4 as the OCR role. */
export class PpOcrRole implements Ocr {
  readonly name = 'pp-ocrv4';
  readonly #ocr: PpOcr;

  constructor(ocr: PpOcr) {
    this.#ocr = ocr;
  }

  static async load(
    paths = bundledPpOcrPaths(),
    options: { threads?: SessionThreads; log?: Logger } = {},
  ): Promise<PpOcrRole> {
    return new PpOcrRole(await PpOcr.load(paths, options));
  }

  read(image: OcrImage, options: { signal?: AbortSignal } = {}): Promise<OcrTextLine[]> {
    return this.#ocr.read(image, { signal: options.signal });
  }

  dispose(): Promise<void> {
    return this.#ocr.dispose();
  }
}
