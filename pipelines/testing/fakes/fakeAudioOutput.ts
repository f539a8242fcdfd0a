import { type Clock, systemClock } from '../../../core/clock.js';
import type { PcmChunk } from '../../../core/media.js';
import type { AudioOutput, Playback, PlaybackResult } from '../../../core/playback.js';
import { SightlineError } from '../../../protocol/errors.js';
import { sleep } from '../../core/sleep.js';

export interface FakeAudioOutputOptions {
  /** Default: the system clock (real time); a ManualClock in tests. */
  clock?: Clock;
  /** The rate `play` accepts (default 48 kHz, as the call's sink). */
  sampleRateHz?: number;
  /** Packet length (default 20 ms). */
  packetMs?: number;
  /** The source is read at most this far ahead of what was sent (default 200 ms, backpressure on TTS). */
  readAheadMs?: number;
  /** Keep a record of every packet (default true; a long benchmark turns it off). */
  record?: boolean;
}

/** One packet "sent" into the call. */
export interface SentPacket {
  playbackId: string;
  /** Clock time it was sent. */
  atMs: number;
  durationMs: number;
  /** Where it starts in its utterance. */
  offsetMs: number;
}

class FakePlayback implements Playback {
  readonly id: string;
  playedMs = 0;
  firstPacketAtMs: number | null = null;
  readonly done: Promise<PlaybackResult>;
  cancelled = false;
  resolve!: (r: PlaybackResult) => void;
  /** Wakes the sender waiting for audio. */
  onCancel: (() => void) | null = null;

  constructor(id: string) {
    this.id = id;
    this.done = new Promise((r) => {
      this.resolve = r;
    });
  }

  cancel(): void {
    this.cancelled = true;
    this.onCancel?.();
  }
}

/**
 * An {@link AudioOutput} that "sends" fixed packets on a clock, like the call's
 * sink: utterances play one after another; a packet leaves every `packetMs`
 * once audio is there (an underrun restarts the pacing when audio comes); the
 * first packet's time and `playedMs` are kept; `cancel` (or the signal) stops at
 * the next packet boundary — nothing more of it is sent — and returns the source.
 * Every packet's send time is recorded, so a test can assert how soon audio stopped.
 */
export class FakeAudioOutput implements AudioOutput {
  readonly sampleRateHz: number;
  /** Every packet sent, in order (when `record`). */
  readonly packets: SentPacket[] = [];
  /** Every playback, in the order `play` was called. */
  readonly playbacks: Playback[] = [];
  readonly #clock: Clock;
  readonly #packetMs: number;
  readonly #readAheadMs: number;
  readonly #record: boolean;
  #queue: Promise<void> = Promise.resolve();
  #seq = 0;

  constructor(options: FakeAudioOutputOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.sampleRateHz = options.sampleRateHz ?? 48000;
    this.#packetMs = options.packetMs ?? 20;
    this.#readAheadMs = options.readAheadMs ?? 200;
    this.#record = options.record ?? true;
  }

  /** The send time of the last packet, or null. */
  get lastPacketAtMs(): number | null {
    return this.packets.at(-1)?.atMs ?? null;
  }

  play(source: AsyncIterable<PcmChunk>, options: { signal?: AbortSignal } = {}): Playback {
    const playback = new FakePlayback(`fake-${++this.#seq}`);
    this.playbacks.push(playback);
    const { signal } = options;
    const onAbort = () => playback.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    const run = this.#queue.then(() => this.#play(playback, source));
    this.#queue = run.then(
      (result) => {
        signal?.removeEventListener('abort', onAbort);
        playback.resolve(result);
      },
      (error: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        const e = error instanceof Error ? error : new Error(String(error));
        playback.resolve({ playedMs: playback.playedMs, completed: false, reason: 'error', error: e });
      },
    );
    return playback;
  }

  async #play(playback: FakePlayback, source: AsyncIterable<PcmChunk>): Promise<PlaybackResult> {
    const samplesPerPacket = Math.round((this.sampleRateHz * this.#packetMs) / 1000);
    const it = source[Symbol.asyncIterator]();
    let buffered: Int16Array[] = [];
    let bufferedSamples = 0;
    let sourceDone = false;
    let sourceError: Error | null = null;
    const waiter: { wake: (() => void) | null } = { wake: null };
    const cancelled = () => playback.cancelled;
    playback.onCancel = () => waiter.wake?.();
    const result = (reason: PlaybackResult['reason'], error?: Error): PlaybackResult => ({
      playedMs: playback.playedMs,
      completed: reason === 'completed',
      reason,
      ...(error ? { error } : {}),
    });
    // Reads the source ahead of the packets, up to readAheadMs.
    const pump = (async () => {
      try {
        while (!cancelled()) {
          if ((bufferedSamples * 1000) / this.sampleRateHz > this.#readAheadMs) {
            await sleep(this.#clock, this.#packetMs);
            continue;
          }
          const r = await it.next();
          if (r.done) break;
          if (r.value.sampleRateHz !== this.sampleRateHz) {
            throw new SightlineError(
              'ERR_AUDIO_FORMAT',
              `the output takes ${this.sampleRateHz} Hz; a chunk is ${r.value.sampleRateHz} Hz`,
            );
          }
          buffered.push(r.value.samples);
          bufferedSamples += r.value.samples.length;
          waiter.wake?.();
        }
      } catch (error) {
        if (!cancelled()) sourceError = error instanceof Error ? error : new Error(String(error));
      } finally {
        sourceDone = true;
        waiter.wake?.();
      }
    })();
    const take = (n: number): number => {
      let left = n;
      while (left > 0 && buffered.length > 0) {
        const head = buffered[0] as Int16Array;
        if (head.length <= left) {
          left -= head.length;
          buffered.shift();
        } else {
          buffered[0] = head.subarray(left);
          left = 0;
        }
      }
      bufferedSamples -= n - left;
      return n - left;
    };
    try {
      for (;;) {
        if (cancelled()) return result('cancelled');
        if (bufferedSamples < samplesPerPacket && !sourceDone) {
          // Underrun (or nothing yet): wait for audio, then send at once.
          await new Promise<void>((r) => {
            waiter.wake = r;
          });
          waiter.wake = null;
          continue;
        }
        if (bufferedSamples === 0) {
          if (sourceError) return result('error', sourceError);
          return result(sourceDone ? 'completed' : 'cancelled');
        }
        const n = take(samplesPerPacket);
        const atMs = this.#clock.nowMs();
        playback.firstPacketAtMs ??= atMs;
        const durationMs = (n * 1000) / this.sampleRateHz;
        if (this.#record) {
          this.packets.push({ playbackId: playback.id, atMs, durationMs, offsetMs: playback.playedMs });
        }
        playback.playedMs += durationMs;
        await sleep(this.#clock, durationMs);
      }
    } finally {
      playback.cancel();
      buffered = [];
      waiter.wake = null;
      playback.onCancel = null;
      // The source may be blocked in next(): return it without waiting. Its failure while
      // being stopped is the cancellation's doing, not the playback's.
      if (!sourceDone) Promise.resolve(it.return?.()).then(undefined, () => undefined);
      void pump;
    }
  }
}
