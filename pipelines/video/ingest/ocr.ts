import type { Ocr } from '../../../models/roles/ocr.js';
import { throwIfAborted } from '../../../models/runtime/errors.js';
import { readFrameRgb } from '../frameImage.js';
import type { FrameRecord, OcrRecord, VideoFiles } from '../types.js';

/** Lines read with less confidence than this (0–1) are left out (as the live OCR reader does). */
export const OCR_MIN_CONFIDENCE = 0.5;

/**
 * The `ocr` stage: the OCR model on every kept frame (the stored JPEG, at its
 * size), lines of at least `minConfidence` in reading order, each at its
 * frame's time. Without an OCR model: no lines.
 */
export async function readOnScreenText(
  videoId: string,
  frames: readonly FrameRecord[],
  files: VideoFiles,
  ocr: Ocr | null,
  options: { signal?: AbortSignal; onProgress?: (stagePercent: number) => void; minConfidence?: number } = {},
): Promise<OcrRecord[]> {
  const { signal, onProgress } = options;
  const minConfidence = options.minConfidence ?? OCR_MIN_CONFIDENCE;
  const kept = frames.filter((f) => f.kept).sort((a, b) => a.tMs - b.tMs);
  const out: OcrRecord[] = [];
  if (ocr) {
    for (const [i, f] of kept.entries()) {
      throwIfAborted(signal);
      const lines = await ocr.read(await readFrameRgb(files.frame(videoId, f.tMs)), { signal });
      for (const l of lines) {
        const text = l.text.trim();
        if (text !== '' && l.confidence >= minConfidence)
          out.push({ tMs: f.tMs, text, confidence: l.confidence });
      }
      onProgress?.((100 * (i + 1)) / kept.length);
    }
  }
  onProgress?.(100);
  return out;
}
