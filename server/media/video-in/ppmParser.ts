import { SightlineError } from '../../../protocol/errors.js';

/** One binary PPM (P6, maxval 255) image: packed RGB24. */
export interface PpmImage {
  width: number;
  height: number;
  rgb: Buffer;
}

const MAX_HEADER_BYTES = 64;

/**
 * Splits a byte stream of concatenated binary PPM images (ffmpeg's
 * `-f image2pipe -c:v ppm`). Each image carries its own size, so a resolution
 * change mid-stream is handled without renegotiation. Chunks are kept as a
 * list and copied once per image (a frame arrives in dozens of pipe reads).
 */
export class PpmStreamParser {
  #chunks: Buffer[] = [];
  #buffered = 0;
  #need: { width: number; height: number; headerLen: number } | null = null;

  /** Appends bytes; returns the images completed by them. Throws on a malformed stream. */
  push(chunk: Buffer): PpmImage[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const out: PpmImage[] = [];
    for (;;) {
      if (!this.#need) {
        const head = this.#peek(Math.min(MAX_HEADER_BYTES, this.#buffered));
        const header = parseHeader(head);
        if (!header) {
          if (this.#buffered > MAX_HEADER_BYTES)
            throw new SightlineError('ERR_MEDIA_FORMAT', 'malformed PPM header');
          break;
        }
        this.#need = header;
      }
      const { width, height, headerLen } = this.#need;
      const total = headerLen + width * height * 3;
      if (this.#buffered < total) break;
      const whole = this.#take(total);
      out.push({ width, height, rgb: whole.subarray(headerLen) });
      this.#need = null;
    }
    return out;
  }

  /** The first `n` buffered bytes, without consuming them. */
  #peek(n: number): Buffer {
    const first = this.#chunks[0];
    if (first && first.length >= n) return first.subarray(0, n);
    return Buffer.concat(this.#chunks, this.#buffered).subarray(0, n);
  }

  /** Removes and returns the first `n` buffered bytes as one new buffer. */
  #take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.#chunks[0] as Buffer;
      const k = Math.min(c.length, n - filled);
      c.copy(out, filled, 0, k);
      filled += k;
      if (k === c.length) this.#chunks.shift();
      else this.#chunks[0] = c.subarray(k);
    }
    this.#buffered -= n;
    return out;
  }
}

function parseHeader(buf: Buffer): { width: number; height: number; headerLen: number } | null {
  // "P6" <ws> width <ws> height <ws> maxval <single ws>; ffmpeg writes no comments.
  const text = buf.toString('latin1');
  const m = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(text);
  if (!m) {
    if (buf.length >= 2 && text.slice(0, 2) !== 'P6')
      throw new SightlineError('ERR_MEDIA_FORMAT', 'stream is not binary PPM');
    return null;
  }
  if (m[3] !== '255') throw new SightlineError('ERR_MEDIA_FORMAT', 'only 8-bit PPM is supported');
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width <= 0 || height <= 0 || width > 8192 || height > 8192)
    throw new SightlineError('ERR_MEDIA_FORMAT', 'PPM size out of range');
  return { width, height, headerLen: m[0].length };
}
