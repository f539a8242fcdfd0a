import { ModelError } from '../runtime/errors.js';

const HEADER_BYTES = 44;

/** A mono 16-bit PCM WAV file (RIFF, 44-byte header) of `samples` at `sampleRateHz`. */
export function encodeWav(samples: Int16Array, sampleRateHz: number): Buffer {
  const dataBytes = samples.length * 2;
  const out = Buffer.alloc(HEADER_BYTES + dataBytes);
  out.write('RIFF', 0, 'ascii');
  out.writeUInt32LE(36 + dataBytes, 4);
  out.write('WAVE', 8, 'ascii');
  out.write('fmt ', 12, 'ascii');
  out.writeUInt32LE(16, 16); // fmt chunk size
  out.writeUInt16LE(1, 20); // PCM
  out.writeUInt16LE(1, 22); // mono
  out.writeUInt32LE(sampleRateHz, 24);
  out.writeUInt32LE(sampleRateHz * 2, 28); // bytes per second
  out.writeUInt16LE(2, 32); // block align
  out.writeUInt16LE(16, 34); // bits per sample
  out.write('data', 36, 'ascii');
  out.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, HEADER_BYTES + i * 2);
  return out;
}

/** The format of a WAV stream's samples. */
export interface WavFormat {
  sampleRateHz: number;
  channels: number;
}

/**
 * Reads a WAV stream as it arrives: `push(bytes)` returns the bytes of
 * sample data that follow the header (none until the whole header is in).
 * The sizes in the header are ignored (a streaming server cannot know them);
 * the data runs to the end of the stream. Only 16-bit PCM is accepted.
 */
export class WavStreamReader {
  #head: Buffer = Buffer.alloc(0);
  #format: WavFormat | null = null;
  #inData = false;
  readonly #who: string;

  /** `who` names the source in errors. */
  constructor(who: string) {
    this.#who = who;
  }

  /** Null until the `fmt ` chunk has been read. */
  get format(): WavFormat | null {
    return this.#format;
  }

  push(bytes: Uint8Array): Buffer {
    if (this.#inData) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#head = Buffer.concat([this.#head, bytes]);
    if (this.#head.length < 12) return Buffer.alloc(0);
    if (this.#head.toString('ascii', 0, 4) !== 'RIFF' || this.#head.toString('ascii', 8, 12) !== 'WAVE') {
      throw new ModelError('ERR_REMOTE_MODEL', `${this.#who} sent audio that is neither raw PCM nor WAV`);
    }
    let off = 12;
    while (off + 8 <= this.#head.length) {
      const id = this.#head.toString('ascii', off, off + 4);
      const size = this.#head.readUInt32LE(off + 4);
      if (id === 'data') {
        this.#inData = true;
        if (!this.#format) throw new ModelError('ERR_REMOTE_MODEL', `${this.#who} sent WAV without a format`);
        const rest = this.#head.subarray(off + 8);
        this.#head = Buffer.alloc(0);
        return rest;
      }
      if (off + 8 + size > this.#head.length) break;
      if (id === 'fmt ') this.#format = this.#readFormat(this.#head.subarray(off + 8, off + 8 + size));
      off += 8 + size + (size % 2);
    }
    return Buffer.alloc(0);
  }

  #readFormat(fmt: Buffer): WavFormat {
    if (fmt.length < 16) throw new ModelError('ERR_REMOTE_MODEL', `${this.#who} sent a truncated WAV format`);
    const tag = fmt.readUInt16LE(0);
    const channels = fmt.readUInt16LE(2);
    const sampleRateHz = fmt.readUInt32LE(4);
    const bits = fmt.readUInt16LE(14);
    // 0xfffe (WAVE_FORMAT_EXTENSIBLE) carries plain PCM too when bits are 16.
    if ((tag !== 1 && tag !== 0xfffe) || bits !== 16 || channels < 1) {
      throw new ModelError(
        'ERR_REMOTE_MODEL',
        `${this.#who} sent WAV format ${tag} with ${bits}-bit samples; only 16-bit PCM is read`,
      );
    }
    return { sampleRateHz, channels };
  }
}
