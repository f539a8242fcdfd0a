import { createRequire } from 'node:module';
import type OpusScriptType from 'opusscript';
import { SightlineError } from '../../protocol/errors.js';

// opusscript is CommonJS with `export =`; load it through require for a typed constructor.
const OpusScript = createRequire(import.meta.url)('opusscript') as typeof OpusScriptType;

type OpusRate = 8000 | 12000 | 16000 | 24000 | 48000;

/** Opus clock rate on the wire (RFC 7587): always 48 kHz, whatever the decoded rate. */
export const OPUS_RTP_CLOCK_HZ = 48000;

/** Decodes Opus packets to mono 16-bit PCM at a chosen rate (libopus resamples internally). */
export class OpusDecoder {
  readonly sampleRateHz: OpusRate;
  #codec: OpusScriptType | null;

  constructor(sampleRateHz: OpusRate) {
    this.sampleRateHz = sampleRateHz;
    this.#codec = new OpusScript(sampleRateHz, 1, OpusScript.Application.VOIP);
  }

  /** Decodes one packet. Throws on a corrupt packet; callers treat that as loss. */
  decode(packet: Uint8Array): Int16Array {
    if (!this.#codec) throw new SightlineError('ERR_INTERNAL', 'OpusDecoder is disposed');
    if (packet.length === 0) return new Int16Array(0);
    const out = this.#codec.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength));
    // Copy out of the WASM heap view before the next call overwrites it.
    const pcm = new Int16Array(out.length / 2);
    for (let i = 0; i < pcm.length; i++) pcm[i] = out.readInt16LE(i * 2);
    return pcm;
  }

  dispose(): void {
    this.#codec?.delete();
    this.#codec = null;
  }
}

/** Encodes mono 16-bit PCM frames to Opus packets. */
export class OpusEncoder {
  readonly sampleRateHz: OpusRate;
  #codec: OpusScriptType | null;

  constructor(sampleRateHz: OpusRate, bitrateBps = 32000) {
    this.sampleRateHz = sampleRateHz;
    this.#codec = new OpusScript(sampleRateHz, 1, OpusScript.Application.VOIP);
    this.#codec.setBitrate(bitrateBps);
  }

  /** Encodes exactly one frame (2.5–60 ms of samples). */
  encode(frame: Int16Array): Buffer {
    if (!this.#codec) throw new SightlineError('ERR_INTERNAL', 'OpusEncoder is disposed');
    return this.#codec.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), frame.length);
  }

  dispose(): void {
    this.#codec?.delete();
    this.#codec = null;
  }
}
