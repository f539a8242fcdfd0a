import type { types as ms } from 'mediasoup';
import { AsyncQueue } from '../../../core/asyncQueue.js';
import type { CancelTimer, Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/log.js';
import type { AudioFrame } from '../../../core/media.js';
import { SightlineError } from '../../../protocol/errors.js';
import { closeOnReturn } from '../closeOnReturn.js';
import { MediaTap } from '../mediaTap.js';
import { OPUS_RTP_CLOCK_HZ, OpusDecoder } from '../opus.js';
import { parseRtp } from '../rtp.js';
import { JitterBuffer, type JitterBufferStats, type OrderedPacket } from './jitterBuffer.js';
import { PcmFramer, type PcmFramerStats } from './pcmFramer.js';

export interface AudioTapOptions {
  /** Output rate; 16 kHz is what VAD and speech-to-text want. */
  sampleRateHz: 8000 | 12000 | 16000 | 24000 | 48000;
  frameMs: number;
  /** Longest wait for a reordered packet. */
  holdMs: number;
  /** Frames buffered for a slow consumer before the oldest are dropped. */
  queueFrames: number;
  maxFillMs: number;
}

export const DEFAULT_AUDIO_TAP_OPTIONS: AudioTapOptions = {
  sampleRateHz: 16000,
  frameMs: 20,
  holdMs: 60,
  queueFrames: 1500,
  maxFillMs: 5000,
};

export interface AudioTapStats extends JitterBufferStats, PcmFramerStats {
  decodeErrors: number;
  queueDropped: number;
}

/**
 * Decodes RTP Opus packets into a gap-free stream of PCM frames. Transport-free:
 * feed it packets with `pushRtp` (the mediasoup wiring lives in `AudioTap`).
 */
export class AudioDepacketizer {
  readonly #clock: Clock;
  readonly #callStartMs: number;
  readonly #payloadType: number;
  readonly #jitter: JitterBuffer;
  readonly #framer: PcmFramer;
  readonly #decoder: OpusDecoder;
  readonly #queue: AsyncQueue<AudioFrame>;
  #cancelTimer: CancelTimer | null = null;
  #decodeErrors = 0;
  #closed = false;

  constructor(clock: Clock, callStartMs: number, payloadType: number, options: AudioTapOptions) {
    this.#clock = clock;
    this.#callStartMs = callStartMs;
    this.#payloadType = payloadType;
    this.#jitter = new JitterBuffer({ holdMs: options.holdMs, maxPackets: 50 });
    this.#framer = new PcmFramer({
      sampleRateHz: options.sampleRateHz,
      rtpClockHz: OPUS_RTP_CLOCK_HZ,
      frameMs: options.frameMs,
      maxFillMs: options.maxFillMs,
    });
    this.#decoder = new OpusDecoder(options.sampleRateHz);
    this.#queue = new AsyncQueue(options.queueFrames);
  }

  /** The frames, in order, with true timestamps. Single consumer; leaving it early closes the depacketizer. */
  get frames(): AsyncIterable<AudioFrame> {
    return closeOnReturn(this.#queue, () => this.close());
  }

  get stats(): AudioTapStats {
    return {
      ...this.#jitter.stats,
      ...this.#framer.stats,
      decodeErrors: this.#decodeErrors,
      queueDropped: this.#queue.dropped,
    };
  }

  /** Handles one raw RTP packet as it arrives. */
  pushRtp(raw: Buffer): void {
    if (this.#closed) return;
    const packet = parseRtp(raw);
    if (!packet || packet.payloadType !== this.#payloadType) return;
    this.#deliver(this.#jitter.push(packet, this.#clock.nowMs()));
    this.#armHoldTimer();
  }

  /** Ends the stream: releases what is held and closes the frame iterator. */
  close(): void {
    if (this.#closed) return;
    this.#deliver(this.#jitter.flush());
    for (const f of this.#framer.flush()) this.#queue.push(f);
    this.#closed = true;
    this.#cancelTimer?.();
    this.#decoder.dispose();
    this.#queue.close();
  }

  #armHoldTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    const deadline = this.#jitter.deadlineMs;
    if (deadline === null) return;
    this.#cancelTimer = this.#clock.setTimer(() => {
      this.#cancelTimer = null;
      if (this.#closed) return;
      this.#deliver(this.#jitter.poll(this.#clock.nowMs()));
      this.#armHoldTimer();
    }, deadline - this.#clock.nowMs());
  }

  #deliver(packets: OrderedPacket[]): void {
    for (const p of packets) {
      let pcm: Int16Array;
      try {
        pcm = this.#decoder.decode(p.packet.payload);
      } catch {
        this.#decodeErrors++;
        continue;
      }
      const arrivalPtsMs = p.arrivalMs - this.#callStartMs;
      for (const f of this.#framer.push(p.extTimestamp, pcm, arrivalPtsMs, p.arrivalMs)) this.#queue.push(f);
    }
  }
}

/** Taps a caller's Opus producer in-process (DirectTransport) and yields 16 kHz PCM frames (see `frames`). */
export class AudioTap extends MediaTap {
  readonly #depacketizer: AudioDepacketizer;

  private constructor(
    transport: ms.DirectTransport,
    consumer: ms.Consumer,
    depacketizer: AudioDepacketizer,
    log: Logger,
  ) {
    super('audio', consumer, transport, log);
    this.#depacketizer = depacketizer;
  }

  static async create(opts: {
    router: ms.Router;
    producer: ms.Producer;
    clock: Clock;
    callStartMs: number;
    log: Logger;
    options?: Partial<AudioTapOptions>;
  }): Promise<AudioTap> {
    const options = { ...DEFAULT_AUDIO_TAP_OPTIONS, ...opts.options };
    const transport = await opts.router.createDirectTransport();
    try {
      const consumer = await transport.consume({
        producerId: opts.producer.id,
        rtpCapabilities: opts.router.rtpCapabilities,
      });
      const codec = consumer.rtpParameters.codecs[0];
      if (codec?.mimeType.toLowerCase() !== 'audio/opus') {
        throw new SightlineError(
          'ERR_UNSUPPORTED_CODEC',
          `audio tap needs Opus, got ${codec?.mimeType ?? 'nothing'}`,
        );
      }
      const depacketizer = new AudioDepacketizer(opts.clock, opts.callStartMs, codec.payloadType, options);
      const tap = new AudioTap(transport, consumer, depacketizer, opts.log);
      consumer.on('rtp', (raw) => depacketizer.pushRtp(raw));
      consumer.observer.once('close', () => tap.close());
      opts.log.debug('audio tap started', { producerId: opts.producer.id, payloadType: codec.payloadType });
      return tap;
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  /**
   * The caller's audio as 20 ms frames; single consumer. Leaving the loop early (`break`,
   * `return`, a throw in its body) closes the tap: its consumer and transport close, `closed`
   * turns true and `whenClosed` resolves. A stage that only wants to pause listening keeps reading
   * and discards frames; the queue drops the oldest when nobody reads. The loop ends by itself
   * when the tap closes (the producer closed, the call ended).
   */
  get frames(): AsyncIterable<AudioFrame> {
    return this.framesClosingTap(this.#depacketizer.frames);
  }

  get stats(): AudioTapStats {
    return this.#depacketizer.stats;
  }

  protected release(): void {
    this.#depacketizer.close();
  }
}
