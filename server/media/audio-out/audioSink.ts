import { randomInt, randomUUID } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import { type Logger, silentLogger } from '../../../core/log.js';
import { SightlineError } from '../../../protocol/errors.js';
import type { AudioSinkStats, Playback, PlaybackResult } from './pacer.js';
import type { FromPacer } from './pacerProtocol.js';
import { PacerThread } from './pacerThread.js';

const SAMPLE_RATE_HZ = 48000;
const READ_AHEAD_MS = 1000;

const EMPTY_STATS: AudioSinkStats = {
  packetsSent: 0,
  latenessP50Ms: 0,
  latenessP99Ms: 0,
  latenessMaxMs: 0,
  underruns: 0,
  skips: 0,
};

/** The main thread's view of an utterance playing in the pacer thread. */
class RemotePlayback implements Playback {
  readonly id = randomUUID();
  playedMs = 0;
  firstPacketAtMs: number | null = null;
  readonly done: Promise<PlaybackResult>;
  resolve!: (r: PlaybackResult) => void;
  finished = false;
  #wake: (() => void) | null = null;
  readonly #cancel: () => void;

  constructor(cancel: () => void) {
    this.#cancel = cancel;
    this.done = new Promise((r) => {
      this.resolve = r;
    });
  }

  /** Resolves when the pacer has played more (or the playback ended). */
  progressed(): Promise<void> {
    return new Promise((r) => {
      this.#wake = r;
    });
  }

  update(m: FromPacer): void {
    if (m.t === 'progress') {
      this.playedMs = m.playedMs;
      // The pacer thread reports epoch time; this thread's clock is performance.now().
      if (m.firstPacketAtEpochMs !== null)
        this.firstPacketAtMs = m.firstPacketAtEpochMs - performance.timeOrigin;
    } else if (m.t === 'done') {
      // A thread that died cannot say how much it sent: keep the last progress report.
      if (!Number.isNaN(m.result.playedMs)) this.playedMs = m.result.playedMs;
      this.finished = true;
      this.resolve({ ...m.result, playedMs: this.playedMs });
    }
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  cancel(): void {
    if (!this.finished) this.#cancel();
  }
}

/**
 * The assistant's voice in a call. 48 kHz PCM goes to the process's pacer
 * thread, which encodes 20 ms Opus packets and sends each at its due time over
 * loopback UDP to this call's PlainTransport producer; browsers consume `producer`.
 * Pacing runs off the main thread, so main-thread GC and long tasks cannot delay it.
 */
export class AudioSink {
  readonly producer: ms.Producer;
  readonly #transport: ms.PlainTransport;
  readonly #pacer: PacerThread;
  readonly #id = randomUUID();
  readonly #playbacks = new Set<RemotePlayback>();
  #stats: AudioSinkStats = EMPTY_STATS;
  #closed = false;

  private constructor(transport: ms.PlainTransport, producer: ms.Producer, pacer: PacerThread, log: Logger) {
    this.#transport = transport;
    this.producer = producer;
    this.#pacer = pacer;
    pacer.onSink(this.#id, (m) => {
      if (m.t === 'stats') this.#stats = m.stats;
      else if (m.t === 'error') log.error('pacer thread error', { error: m.message });
    });
  }

  static async create(p: { router: ms.Router; log?: Logger }): Promise<AudioSink> {
    const opus = p.router.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'audio/opus');
    if (!opus?.preferredPayloadType) throw new SightlineError('ERR_INTERNAL', 'router has no Opus codec');
    const transport = await p.router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: '127.0.0.1' },
      rtcpMux: true,
      comedia: true,
    });
    try {
      const ssrc = randomInt(1, 2 ** 31);
      const producer = await transport.produce({
        kind: 'audio',
        rtpParameters: {
          codecs: [
            {
              mimeType: 'audio/opus',
              payloadType: opus.preferredPayloadType,
              clockRate: 48000,
              channels: 2,
              parameters: { useinbandfec: 1 },
            },
          ],
          encodings: [{ ssrc }],
        },
        appData: { source: 'assistant' },
      });
      const pacer = PacerThread.shared();
      const sink = new AudioSink(transport, producer, pacer, p.log ?? silentLogger);
      pacer.post({
        t: 'open',
        sinkId: sink.#id,
        host: transport.tuple.localAddress ?? '127.0.0.1',
        port: transport.tuple.localPort,
        payloadType: opus.preferredPayloadType,
        ssrc,
      });
      producer.observer.once('close', () => sink.close());
      return sink;
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  /**
   * Queues 48 kHz mono PCM; it plays after what is queued before it. The source is read at
   * most READ_AHEAD_MS ahead of what has been played (backpressure on TTS).
   */
  play(source: AsyncIterable<Int16Array>, options: { signal?: AbortSignal } = {}): Playback {
    const playback = new RemotePlayback(() => this.#pacer.post({ t: 'cancel', playbackId: playback.id }));
    if (this.#closed || options.signal?.aborted || !this.#pacer.alive) {
      playback.finished = true;
      const reason = this.#closed ? 'closed' : options.signal?.aborted ? 'cancelled' : 'error';
      playback.resolve({ playedMs: 0, completed: false, reason });
      return playback;
    }
    this.#playbacks.add(playback);
    this.#pacer.onPlayback(playback.id, (m) => playback.update(m));
    this.#pacer.post({ t: 'play', sinkId: this.#id, playbackId: playback.id });
    const onAbort = () => playback.cancel();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    void playback.done.then(() => {
      options.signal?.removeEventListener('abort', onAbort);
      this.#pacer.onPlayback(playback.id, null);
      this.#playbacks.delete(playback);
    });
    void this.#pump(source, playback);
    return playback;
  }

  async #pump(source: AsyncIterable<Int16Array>, playback: RemotePlayback): Promise<void> {
    let postedSamples = 0;
    let failed = false;
    try {
      for await (const chunk of source) {
        if (playback.finished) break; // cancelled: leaving the loop returns the source (stops TTS)
        // A copy is transferred (the caller may reuse its buffer); count it before the transfer detaches it.
        const copy = chunk.slice();
        postedSamples += copy.length;
        this.#pacer.post({ t: 'pcm', playbackId: playback.id, pcm: copy }, [copy.buffer as ArrayBuffer]);
        while (
          !playback.finished &&
          (postedSamples * 1000) / SAMPLE_RATE_HZ - playback.playedMs > READ_AHEAD_MS
        ) {
          await playback.progressed();
        }
      }
    } catch {
      failed = true;
    }
    if (!playback.finished) this.#pacer.post({ t: 'end', playbackId: playback.id, error: failed });
  }

  /** Cuts the current utterance at the next packet boundary and drops queued ones. */
  cancelAll(): void {
    this.#pacer.post({ t: 'cancelAll', sinkId: this.#id });
  }

  /** Starts a new window for the pacing-lateness figures in `stats`. */
  resetLateness(): void {
    this.#stats = { ...this.#stats, latenessP50Ms: 0, latenessP99Ms: 0, latenessMaxMs: 0 };
    this.#pacer.post({ t: 'resetLateness', sinkId: this.#id });
  }

  /** True while an utterance is queued or playing. */
  get active(): boolean {
    return this.#playbacks.size > 0;
  }

  /** Figures from the pacer thread, refreshed every 250 ms while playing. */
  get stats(): AudioSinkStats {
    return this.#stats;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pacer.post({ t: 'close', sinkId: this.#id });
    for (const p of this.#playbacks)
      p.update({
        t: 'done',
        playbackId: p.id,
        result: { playedMs: p.playedMs, completed: false, reason: 'closed' },
      });
    this.#pacer.onSink(this.#id, null);
    if (!this.producer.closed) this.producer.close();
    if (!this.#transport.closed) this.#transport.close();
  }
}
