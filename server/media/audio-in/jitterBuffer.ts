import { type RtpPacket, Unwrapper } from '../rtp.js';

/** A packet released in order, with its extended (unwrapped) sequence number and timestamp. */
export interface OrderedPacket {
  packet: RtpPacket;
  extSeq: number;
  extTimestamp: number;
  arrivalMs: number;
}

export interface JitterBufferOptions {
  /** How long a hole may stay open waiting for a late packet before it is declared lost. */
  holdMs: number;
  /** Hard cap on buffered packets; a hole is given up on when exceeded. */
  maxPackets: number;
}

export interface JitterBufferStats {
  received: number;
  reordered: number;
  duplicates: number;
  lateDropped: number;
  lost: number;
}

/**
 * Reorders RTP packets by sequence number. A missing packet holds back later
 * ones for at most `holdMs`; then it is counted lost and the stream moves on.
 * Timing gaps are left to the consumer, which sees them in the timestamps.
 */
export class JitterBuffer {
  readonly #opts: JitterBufferOptions;
  readonly #seq = new Unwrapper(16);
  readonly #ts = new Unwrapper(32);
  readonly #pending = new Map<number, OrderedPacket>();
  #nextSeq: number | null = null;
  #maxSeen = -Infinity;
  readonly stats: JitterBufferStats = { received: 0, reordered: 0, duplicates: 0, lateDropped: 0, lost: 0 };

  constructor(opts: JitterBufferOptions) {
    this.#opts = opts;
  }

  /** Packets held back by a hole. */
  get buffered(): number {
    return this.#pending.size;
  }

  /** When the oldest held packet's hold expires (ms, same clock as arrivals), or null when nothing is held. */
  get deadlineMs(): number | null {
    let oldest = Infinity;
    for (const p of this.#pending.values()) oldest = Math.min(oldest, p.arrivalMs);
    return oldest === Infinity ? null : oldest + this.#opts.holdMs;
  }

  /** Adds a packet; returns the packets now releasable, in order. */
  push(packet: RtpPacket, arrivalMs: number): OrderedPacket[] {
    this.stats.received++;
    const extSeq = this.#seq.unwrap(packet.sequenceNumber);
    const extTimestamp = this.#ts.unwrap(packet.timestamp);
    if (this.#nextSeq === null) this.#nextSeq = extSeq;
    if (extSeq < this.#nextSeq) {
      this.stats.lateDropped++;
      return [];
    }
    if (this.#pending.has(extSeq)) {
      this.stats.duplicates++;
      return [];
    }
    if (extSeq < this.#maxSeen) this.stats.reordered++;
    this.#maxSeen = Math.max(this.#maxSeen, extSeq);
    this.#pending.set(extSeq, { packet, extSeq, extTimestamp, arrivalMs });
    return this.poll(arrivalMs);
  }

  /** Releases what is in order, giving up on holes whose hold expired at `nowMs`. */
  poll(nowMs: number): OrderedPacket[] {
    const out: OrderedPacket[] = [];
    for (;;) {
      this.#drainInOrder(out);
      if (this.#pending.size === 0) break;
      const deadline = this.deadlineMs as number;
      if (nowMs < deadline && this.#pending.size <= this.#opts.maxPackets) break;
      const first = Math.min(...this.#pending.keys());
      this.stats.lost += first - (this.#nextSeq as number);
      this.#nextSeq = first;
    }
    return out;
  }

  /** Releases everything held, skipping holes (used at end of stream). */
  flush(): OrderedPacket[] {
    return this.poll(Infinity);
  }

  #drainInOrder(out: OrderedPacket[]): void {
    let next = this.#nextSeq as number;
    for (let p = this.#pending.get(next); p; p = this.#pending.get(next)) {
      this.#pending.delete(next);
      out.push(p);
      next++;
    }
    this.#nextSeq = next;
  }
}
