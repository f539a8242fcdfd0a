/** The fields of an RTP packet that the media taps use. */
export interface RtpPacket {
  payloadType: number;
  marker: boolean;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  /** A view into the original buffer: CSRCs, header extension and padding removed. */
  payload: Buffer;
}

/**
 * Parses one RTP packet (RFC 3550 §5.1). Returns null for anything that is not
 * a well-formed version-2 packet, so hostile input cannot throw.
 */
export function parseRtp(buf: Buffer): RtpPacket | null {
  if (buf.length < 12) return null;
  const b0 = buf[0] as number;
  const b1 = buf[1] as number;
  if (b0 >> 6 !== 2) return null;
  const padding = (b0 & 0x20) !== 0;
  const extension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (extension) {
    if (buf.length < offset + 4) return null;
    const words = buf.readUInt16BE(offset + 2);
    offset += 4 + words * 4;
  }
  let end = buf.length;
  if (padding) {
    const pad = buf[buf.length - 1] as number;
    if (pad === 0) return null;
    end -= pad;
  }
  if (offset > end) return null;
  return {
    payloadType: b1 & 0x7f,
    marker: (b1 & 0x80) !== 0,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    payload: buf.subarray(offset, end),
  };
}

/** Builds a minimal RTP packet: no CSRCs, no extension, no padding. */
export function buildRtp(p: Omit<RtpPacket, 'payload'> & { payload: Uint8Array }): Buffer {
  const buf = Buffer.allocUnsafe(12 + p.payload.length);
  buf[0] = 0x80;
  buf[1] = (p.marker ? 0x80 : 0) | (p.payloadType & 0x7f);
  buf.writeUInt16BE(p.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(p.timestamp >>> 0, 4);
  buf.writeUInt32BE(p.ssrc >>> 0, 8);
  buf.set(p.payload, 12);
  return buf;
}

/**
 * Unwraps a modular counter (16-bit sequence numbers, 32-bit timestamps) into
 * a monotonic-ish extended value, choosing the candidate nearest the last one.
 */
export class Unwrapper {
  readonly #modulus: number;
  #last: number | null = null;

  constructor(bits: 16 | 32) {
    this.#modulus = 2 ** bits;
  }

  unwrap(value: number): number {
    if (this.#last === null) {
      this.#last = value;
      return value;
    }
    const m = this.#modulus;
    const base = this.#last - (((this.#last % m) + m) % m);
    let best = base + value;
    for (const candidate of [best - m, best + m]) {
      if (Math.abs(candidate - this.#last) < Math.abs(best - this.#last)) best = candidate;
    }
    if (best > this.#last) this.#last = best;
    return best;
  }

  reset(): void {
    this.#last = null;
  }
}
