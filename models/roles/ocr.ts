/** Packed RGB24 pixels (a camera frame, a slide). `VideoFrame` fits. */
export interface OcrImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** A line of text found in an image. */
export interface OcrTextLine {
  text: string;
  /** 0–1. */
  confidence: number;
  /** Pixels of the input image, inside it. */
  box: { x: number; y: number; width: number; height: number };
}

/** Reads the lines of text in a picture, in reading order. */
export interface Ocr {
  readonly name: string;
  read(image: OcrImage, options?: { signal?: AbortSignal }): Promise<OcrTextLine[]>;
  dispose(): Promise<void>;
}
