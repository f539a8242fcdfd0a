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
 * change mid-stream is handled without renegotiation.
 */
export class PpmStreamParser {
  #buf: Buffer = Buffer.alloc(0);
  #need: { width: number; height: number; headerLen: number } | null = null;

  /** Appends bytes; returns the images completed by them. Throws on a malformed stream. */
  push(chunk: Buffer): PpmImage[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: PpmImage[] = [];
    for (;;) {
      if (!this.#need) {
        const header = parseHeader(this.#buf);
        if (!header) {
          if (this.#buf.length > MAX_HEADER_BYTES) throw new Error('malformed PPM header');
          break;
        }
        this.#need = header;
      }
      const { width, height, headerLen } = this.#need;
      const total = headerLen + width * height * 3;
      if (this.#buf.length < total) break;
      out.push({ width, height, rgb: Buffer.from(this.#buf.subarray(headerLen, total)) });
      this.#buf = this.#buf.subarray(total);
      this.#need = null;
    }
    return out;
  }
}

function parseHeader(buf: Buffer): { width: number; height: number; headerLen: number } | null {
  // "P6" <ws> width <ws> height <ws> maxval <single ws>; ffmpeg writes no comments.
  const text = buf.subarray(0, MAX_HEADER_BYTES).toString('latin1');
  const m = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(text);
  if (!m) {
    if (buf.length >= 2 && text.slice(0, 2) !== 'P6') throw new Error('stream is not binary PPM');
    return null;
  }
  if (m[3] !== '255') throw new Error('only 8-bit PPM is supported');
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width <= 0 || height <= 0 || width > 8192 || height > 8192) throw new Error('PPM size out of range');
  return { width, height, headerLen: m[0].length };
}
