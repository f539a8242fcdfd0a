import type { PcmChunk } from '../../core/media.js';
import { ModelError } from '../runtime/errors.js';
import { TTS_CHUNK_MS } from '../tts/chunks.js';
import { WavStreamReader } from './wav.js';

/**
 * Turns the bytes of a speech body into contiguous PcmChunks from ptsMs 0:
 * raw s16le, or WAV (recognised by its content type or its `RIFF` start).
 * Pieces are at most TTS_CHUNK_MS, so an abort takes effect between them.
 */
export class PcmAssembler {
  readonly #rateHz: number;
  readonly #who: string;
  #wav: WavStreamReader | null;
  #sniffed: boolean;
  #carry: Buffer = Buffer.alloc(0);
  #samplesOut = 0;

  constructor(rateHz: number, who: string, isWav: boolean) {
    this.#rateHz = rateHz;
    this.#who = who;
    this.#wav = isWav ? new WavStreamReader(who) : null;
    this.#sniffed = isWav;
  }

  *push(bytes: Uint8Array): Generator<PcmChunk> {
    let data = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!this.#sniffed) {
      // A server may ignore `pcm` and send WAV under a generic content type.
      const head = Buffer.concat([this.#carry, data]);
      if (head.length < 4) {
        this.#carry = head;
        return;
      }
      this.#sniffed = true;
      this.#carry = Buffer.alloc(0);
      data = head;
      if (head.toString('ascii', 0, 4) === 'RIFF') this.#wav = new WavStreamReader(this.#who);
    }
    let channels = 1;
    if (this.#wav) {
      data = this.#wav.push(data);
      const format = this.#wav.format;
      if (!format || data.length === 0) return;
      if (format.sampleRateHz !== this.#rateHz) {
        throw new ModelError(
          'ERR_REMOTE_MODEL',
          `${this.#who} sent ${format.sampleRateHz} Hz WAV; this TTS is set for ${this.#rateHz} Hz (sampleRateHz)`,
        );
      }
      channels = format.channels;
    }
    const all = this.#carry.length ? Buffer.concat([this.#carry, data]) : data;
    const frameBytes = 2 * channels;
    const whole = all.length - (all.length % frameBytes);
    this.#carry = Buffer.from(all.subarray(whole));
    const frames = whole / frameBytes;
    const samples = new Int16Array(frames);
    for (let i = 0; i < frames; i++) {
      let sum = 0;
      for (let c = 0; c < channels; c++) sum += all.readInt16LE(i * frameBytes + c * 2);
      samples[i] = Math.round(sum / channels);
    }
    const step = Math.max(1, Math.round((this.#rateHz * TTS_CHUNK_MS) / 1000));
    for (let at = 0; at < samples.length; at += step) {
      const piece = samples.subarray(at, at + step);
      yield { samples: piece, sampleRateHz: this.#rateHz, ptsMs: (this.#samplesOut * 1000) / this.#rateHz };
      this.#samplesOut += piece.length;
    }
  }
}
