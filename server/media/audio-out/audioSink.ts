import { randomInt, randomUUID } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import { type Logger, silentLogger } from '../../../core/log.js';
import type { PcmChunk } from '../../../core/media.js';
import { SightlineError } from '../../../protocol/errors.js';
import {
  type AudioSinkStats,
  audioFormatError,
  type PacerRateHz,
  type Playback,
  type PlaybackResult,
} from './pacer.js';
import type { FromPacer } from './pacerProtocol.js';
import { PacerThread } from './pacerThread.js';

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
  /** What failed on this thread (the source, or a chunk's rate); reported instead of the pacer's view of it. */
  error: Error | null = null;
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
      const result: PlaybackResult = { ...m.result, playedMs: this.playedMs };
      if (result.reason === 'error' && this.error) result.error = this.error;
      this.resolve(result);
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
 * The assistant's voice in a call. PCM at the one rate the sink was created for
 * (48 kHz unless told) goes to the process's pacer thread, which encodes 20 ms
 * Opus packets and sends each at its due time over loopback UDP to this call's
 * PlainTransport producer; browsers consume `producer`. Pacing runs off the main
 * thread, so main-thread GC and long tasks cannot delay it.
 */
export class AudioSink {
  readonly producer: ms.Producer;
  /** The only PCM rate `play` accepts; resample other rates first (pipelines/audio/resample.ts). */
  readonly sampleRateHz: PacerRateHz;
  readonly #transport: ms.PlainTransport;
  readonly #pacer: PacerThread;
  readonly #log: Logger;
  readonly #id = randomUUID();
  readonly #playbacks = new Set<RemotePlayback>();
  #stats: AudioSinkStats = EMPTY_STATS;
  #closed = false;

  private constructor(
    transport: ms.PlainTransport,
    producer: ms.Producer,
    pacer: PacerThread,
    log: Logger,
    sampleRateHz: PacerRateHz,
  ) {
    this.#transport = transport;
    this.producer = producer;
    this.#pacer = pacer;
    this.#log = log;
    this.sampleRateHz = sampleRateHz;
    pacer.onSink(this.#id, (m) => {
      if (m.t === 'stats') this.#stats = m.stats;
      else if (m.t === 'error') log.error('pacer thread error', { error: m.message });
    });
  }

  /** Creates the sink's producer on `router`; `sampleRateHz` (default 48 kHz) is the rate `play` will accept. */
  static async create(p: {
    router: ms.Router;
    log?: Logger;
    sampleRateHz?: PacerRateHz;
    /** Send silence between utterances (see PacerOptions.idleSilence). */
    idleSilence?: boolean;
  }): Promise<AudioSink> {
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
      const sampleRateHz = p.sampleRateHz ?? 48000;
      const sink = new AudioSink(transport, producer, pacer, p.log ?? silentLogger, sampleRateHz);
      pacer.post({
        t: 'open',
        sinkId: sink.#id,
        host: transport.tuple.localAddress ?? '127.0.0.1',
        port: transport.tuple.localPort,
        payloadType: opus.preferredPayloadType,
        ssrc,
        sampleRateHz,
        idleSilence: p.idleSilence ?? false,
      });
      producer.observer.once('close', () => sink.close());
      return sink;
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  /**
   * Queues an utterance of mono PCM at `sampleRateHz`; it plays after what is queued before it
   * (chunks' `ptsMs` do not delay it). The source is read at most READ_AHEAD_MS ahead of what has
   * been played (backpressure on TTS). A chunk at another rate is refused: the source is returned,
   * what came before it plays, and the playback ends with reason 'error' and an `ERR_AUDIO_FORMAT`
   * error. A source that throws ends it the same way with its own error. Both are logged; a source
   * that throws after `signal` aborted is a cancellation, not an error.
   */
  play(source: AsyncIterable<PcmChunk>, options: { signal?: AbortSignal } = {}): Playback {
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
    void this.#pump(source, playback, options.signal);
    return playback;
  }

  async #pump(
    source: AsyncIterable<PcmChunk>,
    playback: RemotePlayback,
    signal?: AbortSignal,
  ): Promise<void> {
    let postedSamples = 0;
    try {
      for await (const chunk of source) {
        if (playback.finished) break; // cancelled: leaving the loop returns the source (stops TTS)
        // Leaving the loop by this throw returns the source too.
        if (chunk.sampleRateHz !== this.sampleRateHz) throw audioFormatError(this.sampleRateHz, chunk);
        // A copy is transferred (the caller may reuse its buffer); count it before the transfer detaches it.
        const samples = chunk.samples.slice();
        postedSamples += samples.length;
        this.#pacer.post(
          {
            t: 'pcm',
            playbackId: playback.id,
            chunk: { samples, sampleRateHz: chunk.sampleRateHz, ptsMs: chunk.ptsMs },
          },
          [samples.buffer as ArrayBuffer],
        );
        while (
          !playback.finished &&
          (postedSamples * 1000) / this.sampleRateHz - playback.playedMs > READ_AHEAD_MS
        ) {
          await playback.progressed();
        }
      }
    } catch (error) {
      // The turn was aborted and its source stopped with it (a resampler throws the abort reason):
      // the playback is already being cancelled; that is no failure.
      if (signal?.aborted) return;
      playback.error = error instanceof Error ? error : new Error(String(error));
      this.#log.error('audio source failed or was refused; the utterance ends here', {
        playbackId: playback.id,
        error,
      });
    }
    if (!playback.finished)
      this.#pacer.post({ t: 'end', playbackId: playback.id, error: playback.error !== null });
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
