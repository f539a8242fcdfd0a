import { randomInt, randomUUID } from 'node:crypto';
import type { CancelTimer, Clock } from '../../../core/clock.js';
import { type Logger, silentLogger } from '../../../core/log.js';
import type { PcmChunk } from '../../../core/media.js';
import type { Playback, PlaybackResult } from '../../../core/playback.js';
import { SightlineError } from '../../../protocol/errors.js';
import { RollingSamples } from '../latencyStats.js';
import { OpusEncoder } from '../opus.js';
import { buildRtp } from '../rtp.js';

export type { Playback, PlaybackResult };

export interface PacerOptions {
  clock: Clock;
  /** Called with each RTP packet at its send time. */
  send: (rtp: Buffer) => void;
  payloadType: number;
  ssrc?: number;
  /** PCM rate of the sources; Opus runs at this rate. A chunk at another rate ends its playback with `ERR_AUDIO_FORMAT`. */
  sampleRateHz?: PacerRateHz;
  frameMs?: number;
  /** How far ahead of real time a source is read (bounds memory; applies backpressure to TTS). */
  readAheadMs?: number;
  /**
   * Between utterances, send a silent packet every slot instead of nothing, so the
   * receiver's jitter buffer never restarts and a reply starts mid-stream.
   */
  idleSilence?: boolean;
  /** When the pacer falls this far behind, it skips ahead instead of bursting. */
  maxCatchUpMs?: number;
  bitrateBps?: number;
  /** Called after each packet is sent, with the playback it belongs to. */
  onSent?: (playback: Playback) => void;
  /** Where a source that fails while being stopped is reported (the pacer thread's sources are queues that cannot). */
  log?: Logger;
}

export interface AudioSinkStats {
  packetsSent: number;
  latenessP50Ms: number;
  latenessP99Ms: number;
  latenessMaxMs: number;
  underruns: number;
  skips: number;
}

const OPUS_CLOCK_HZ = 48000;

/** The PCM rates a pacer (and so an audio sink) can be created for: rates Opus encodes natively. */
export type PacerRateHz = 48000 | 24000 | 16000;

/** The error for a chunk whose rate is not the one the sink or pacer was created for. */
export function audioFormatError(expectedHz: number, chunk: PcmChunk): SightlineError {
  return new SightlineError(
    'ERR_AUDIO_FORMAT',
    `expected ${expectedHz} Hz PCM, got a chunk at ${chunk.sampleRateHz} Hz (resample it first)`,
  );
}

class PlaybackImpl implements Playback {
  readonly id: string;
  playedMs = 0;
  firstPacketAtMs: number | null = null;
  readonly done: Promise<PlaybackResult>;
  #resolve!: (r: PlaybackResult) => void;
  #iterator: AsyncIterator<PcmChunk> | null = null;
  #chunks: Int16Array[] = [];
  #chunkOffset = 0;
  buffered = 0;
  ended = false;
  finished = false;
  #readAhead: number;
  readonly #sampleRateHz: number;
  #pumping = false;
  readonly #onCancel: (p: PlaybackImpl) => void;
  readonly #log: Logger;

  constructor(
    id: string,
    source: AsyncIterable<PcmChunk>,
    sampleRateHz: number,
    readAheadSamples: number,
    onCancel: (p: PlaybackImpl) => void,
    log: Logger,
  ) {
    this.id = id;
    this.#log = log;
    this.#sampleRateHz = sampleRateHz;
    this.#readAhead = readAheadSamples;
    this.#onCancel = onCancel;
    this.done = new Promise((r) => {
      this.#resolve = r;
    });
    this.#iterator = source[Symbol.asyncIterator]();
  }

  /** Reads from the source until `readAhead` samples are buffered or it ends. */
  pump(): void {
    if (this.#pumping || this.ended || this.finished || this.buffered >= this.#readAhead) return;
    this.#pumping = true;
    const it = this.#iterator as AsyncIterator<PcmChunk>;
    it.next().then(
      (r) => {
        this.#pumping = false;
        if (this.finished) return;
        if (r.done) this.ended = true;
        else if (r.value.sampleRateHz !== this.#sampleRateHz) {
          // Played at the wrong rate it would be wrong-speed audio: refuse it, play what came before.
          this.ended = true;
          this.error = audioFormatError(this.#sampleRateHz, r.value);
          this.#release();
          return;
        } else if (r.value.samples.length > 0) {
          this.#chunks.push(r.value.samples);
          this.buffered += r.value.samples.length;
        }
        this.pump();
      },
      (error: unknown) => {
        this.#pumping = false;
        this.ended = true;
        this.error = error instanceof Error ? error : new Error(String(error));
      },
    );
  }

  error: Error | null = null;

  /** Takes up to `n` samples into `frame` (zero-filled beyond); returns how many were real. */
  take(frame: Int16Array): number {
    let filled = 0;
    while (filled < frame.length && this.#chunks.length > 0) {
      const chunk = this.#chunks[0] as Int16Array;
      const n = Math.min(frame.length - filled, chunk.length - this.#chunkOffset);
      frame.set(chunk.subarray(this.#chunkOffset, this.#chunkOffset + n), filled);
      filled += n;
      this.#chunkOffset += n;
      if (this.#chunkOffset === chunk.length) {
        this.#chunks.shift();
        this.#chunkOffset = 0;
      }
    }
    frame.fill(0, filled);
    this.buffered -= filled;
    this.pump();
    return filled;
  }

  finish(reason: PlaybackResult['reason']): void {
    if (this.finished) return;
    this.finished = true;
    this.#chunks = [];
    this.buffered = 0;
    if (reason !== 'completed') this.#release();
    const result: PlaybackResult = { playedMs: this.playedMs, completed: reason === 'completed', reason };
    if (reason === 'error' && this.error) result.error = this.error;
    this.#resolve(result);
  }

  /** Returns the source's iterator (e.g. stops TTS synthesis), once. */
  #release(): void {
    const it = this.#iterator;
    this.#iterator = null;
    // The playback's outcome is already decided; a source that fails while stopping is only reported.
    it?.return?.().catch((error: unknown) =>
      this.#log.warn('audio source failed while stopping', { playbackId: this.id, error }),
    );
  }

  cancel(): void {
    if (this.finished) return;
    this.#onCancel(this);
  }
}

/**
 * Plays PCM utterances into a call as Opus RTP, paced in real time against the
 * clock (each packet's due time is computed, never chained from the previous
 * timer, so lateness does not accumulate). Transport-free: `send` gets packets.
 */
export class Pacer {
  readonly #clock: Clock;
  readonly #send: (rtp: Buffer) => void;
  readonly #onSent: ((playback: Playback) => void) | undefined;
  readonly #log: Logger;
  readonly #payloadType: number;
  readonly #ssrc: number;
  readonly #sampleRateHz: PacerRateHz;
  readonly #frameMs: number;
  readonly #frameSamples: number;
  readonly #readAheadSamples: number;
  readonly #maxCatchUpMs: number;
  readonly #encoder: OpusEncoder;
  readonly #frame: Int16Array;
  readonly #queue: PlaybackImpl[] = [];
  readonly #lateness = new RollingSamples();
  readonly #startMs: number;
  readonly #tsBase = randomInt(0, 2 ** 31);
  #seq = randomInt(0, 2 ** 15);
  #packetsSent = 0;
  #underruns = 0;
  #skips = 0;
  #t0Ms = 0;
  #tick = 0;
  #cancelTimer: CancelTimer | null = null;
  #talking = false;
  #closed = false;
  readonly #idleSilence: boolean;
  /** One encoded silent frame, sent as is in every idle slot (with idleSilence). */
  #silence: Buffer | null = null;
  /** The head playback's next packet, encoded ahead of its slot. */
  #ready: { playback: PlaybackImpl; payload: Buffer; samples: number } | null = null;

  constructor(o: PacerOptions) {
    this.#clock = o.clock;
    this.#send = o.send;
    this.#onSent = o.onSent;
    this.#log = o.log ?? silentLogger;
    this.#payloadType = o.payloadType;
    this.#ssrc = o.ssrc ?? randomInt(1, 2 ** 31);
    this.#sampleRateHz = o.sampleRateHz ?? 48000;
    this.#frameMs = o.frameMs ?? 20;
    this.#frameSamples = (this.#sampleRateHz * this.#frameMs) / 1000;
    this.#readAheadSamples = ((o.readAheadMs ?? 1000) * this.#sampleRateHz) / 1000;
    this.#maxCatchUpMs = o.maxCatchUpMs ?? 200;
    this.#encoder = new OpusEncoder(this.#sampleRateHz, o.bitrateBps ?? 32000);
    this.#frame = new Int16Array(this.#frameSamples);
    this.#startMs = this.#clock.nowMs();
    this.#idleSilence = o.idleSilence ?? false;
    if (this.#idleSilence) this.#startPacing();
  }

  /** True while an utterance is queued or playing. */
  get active(): boolean {
    return this.#queue.length > 0;
  }

  get stats(): AudioSinkStats {
    const [p50, p99] = this.#lateness.percentiles(50, 99) as [number, number];
    return {
      packetsSent: this.#packetsSent,
      latenessP50Ms: p50,
      latenessP99Ms: p99,
      latenessMaxMs: this.#lateness.maxMs,
      underruns: this.#underruns,
      skips: this.#skips,
    };
  }

  /** Starts a new window for the lateness figures in `stats`. */
  resetLateness(): void {
    this.#lateness.reset();
  }

  /**
   * Queues an utterance of mono PCM at the configured rate; it starts when those before it finish.
   * `ptsMs` of the chunks is not used for timing. A chunk at another rate ends the playback after
   * what came before it, with reason 'error' and an `ERR_AUDIO_FORMAT` error.
   */
  play(source: AsyncIterable<PcmChunk>, options: { id?: string; signal?: AbortSignal } = {}): Playback {
    const playback = new PlaybackImpl(
      options.id ?? randomUUID(),
      source,
      this.#sampleRateHz,
      this.#readAheadSamples,
      (p) => this.#cancel(p),
      this.#log,
    );
    if (this.#closed) {
      playback.finish('closed');
      return playback;
    }
    if (options.signal) {
      const signal = options.signal;
      if (signal.aborted) {
        playback.finish('cancelled');
        return playback;
      }
      const onAbort = () => playback.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      void playback.done.then(() => signal.removeEventListener('abort', onAbort));
    }
    this.#queue.push(playback);
    if (this.#queue.length === 1) playback.pump();
    if (!this.#cancelTimer) this.#startPacing();
    return playback;
  }

  /** Cuts whatever is playing and drops what is queued (barge-in). Returns the cut playback's result. */
  cancelAll(): void {
    for (const p of [...this.#queue]) this.#cancel(p);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#ready = null;
    for (const p of this.#queue.splice(0)) p.finish('closed');
    this.#encoder.dispose();
  }

  #cancel(p: PlaybackImpl): void {
    if (this.#ready?.playback === p) this.#ready = null;
    const i = this.#queue.indexOf(p);
    if (i >= 0) this.#queue.splice(i, 1);
    p.finish('cancelled');
    if (i === 0) {
      this.#talking = false;
      this.#queue[0]?.pump();
    }
  }

  #startPacing(): void {
    this.#t0Ms = this.#clock.nowMs();
    this.#tick = 0;
    this.#talking = false;
    this.#onTimer();
  }

  #dueMs(tick: number): number {
    return this.#t0Ms + tick * this.#frameMs;
  }

  #onTimer(): void {
    this.#cancelTimer = null;
    if (this.#closed) return;
    const nowMs = this.#clock.nowMs();
    if (nowMs - this.#dueMs(this.#tick) > this.#maxCatchUpMs) {
      // Far behind (process stalled): jump to now rather than burst a backlog.
      const skipped = Math.floor((nowMs - this.#dueMs(this.#tick)) / this.#frameMs);
      this.#tick += skipped;
      this.#skips += skipped;
    }
    while (this.#dueMs(this.#tick) <= nowMs) {
      const dueMs = this.#dueMs(this.#tick);
      this.#tick++;
      this.#step(dueMs, nowMs);
      if (this.#queue.length === 0 && !this.#idleSilence) return; // idle: no timer until the next play()
    }
    this.#cancelTimer = this.#clock.setTimer(() => this.#onTimer(), this.#dueMs(this.#tick) - nowMs);
  }

  /** An idle slot with idleSilence: a silent packet on the same timeline (no marker, not a talk spurt). */
  #sendSilence(dueMs: number): void {
    this.#silence ??= Buffer.from(this.#encoder.encode(new Int16Array(this.#frameSamples)));
    this.#sendPacket(dueMs, this.#silence, false);
  }

  /** Sends one RTP packet for the slot due at `dueMs` (its timestamp follows from the slot). */
  #sendPacket(dueMs: number, payload: Uint8Array, marker: boolean): void {
    const timestamp = this.#tsBase + Math.round(((dueMs - this.#startMs) * OPUS_CLOCK_HZ) / 1000);
    this.#send(
      buildRtp({
        payloadType: this.#payloadType,
        marker,
        sequenceNumber: this.#seq,
        timestamp,
        ssrc: this.#ssrc,
        payload,
      }),
    );
    this.#seq = (this.#seq + 1) & 0xffff;
  }

  /** Encodes the head playback's next frame ahead of its slot, so that a slot only has to send. */
  #prepare(): void {
    if (this.#ready) return;
    const p = this.#queue[0];
    // Wait for a whole frame unless the source is done.
    if (!p || p.buffered === 0 || (p.buffered < this.#frameSamples && !p.ended)) return;
    const samples = p.take(this.#frame);
    this.#ready = { playback: p, payload: this.#encoder.encode(this.#frame), samples };
  }

  /** One 20 ms slot: send the head playback's next packet, or note an underrun or its end. */
  #step(dueMs: number, nowMs: number): void {
    const p = this.#queue[0];
    if (!p) {
      if (this.#idleSilence) this.#sendSilence(dueMs);
      return;
    }
    this.#prepare();
    const ready = this.#ready;
    if (!ready || ready.playback !== p) {
      if (p.buffered === 0 && p.ended) {
        this.#queue.shift();
        p.finish(p.error === null ? 'completed' : 'error');
        this.#queue[0]?.pump();
      } else if (p.firstPacketAtMs !== null) {
        this.#underruns++;
      }
      this.#talking = false;
      // Not ready yet, ended, or starved: the stream itself goes on.
      if (this.#idleSilence) this.#sendSilence(dueMs);
      return;
    }
    this.#ready = null;
    this.#sendPacket(dueMs, ready.payload, !this.#talking);
    this.#talking = true;
    this.#packetsSent++;
    this.#lateness.add(nowMs - dueMs);
    p.playedMs += (ready.samples * 1000) / this.#sampleRateHz;
    if (p.firstPacketAtMs === null) p.firstPacketAtMs = nowMs;
    this.#onSent?.(p);
    // Encode the next frame now, after the send, off the next slot's critical path.
    this.#prepare();
  }
}
