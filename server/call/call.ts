import { randomUUID } from 'node:crypto';
import type { types as ms } from 'mediasoup';
import type { Clock } from '../../core/clock.js';
import { TypedEmitter } from '../../core/events.js';
import type { Logger } from '../../core/log.js';
import type { VideoFrame } from '../../core/media.js';
import type { AssistantPort } from '../../pipelines/assistant/port.js';
import { CallScope } from '../../pipelines/core/scope.js';
import { SightlineError } from '../../protocol/errors.js';
import type { CallState, ServerEventMap } from '../../protocol/messages.js';
import type { Config } from '../config.js';
import { AudioTap } from '../media/audio-in/audioTap.js';
import { AudioSink } from '../media/audio-out/audioSink.js';
import { VideoTap } from '../media/video-in/videoTap.js';
import type { WorkerPool } from '../media/workerPool.js';
import type { ServerMetrics } from '../metrics.js';
import type { CallLink } from './callLink.js';
import { VideoSelector, type VideoSource } from './videoSelector.js';

export type CallEvents = {
  /** An event for the client (state, error, metrics). */
  push: { [E in keyof ServerEventMap]: [event: E, data: ServerEventMap[E]] }[keyof ServerEventMap];
  audioTap: [tap: AudioTap];
  videoTap: [tap: VideoTap, source: VideoSource];
  closed: [reason: string];
};

/** Live object counts of one call, for leak checks and metrics. */
export interface CallResources {
  transports: number;
  producers: number;
  consumers: number;
  audioTaps: number;
  videoTaps: number;
  ffmpegPids: number[];
}

export interface CallDeps {
  pool: WorkerPool;
  clock: Clock;
  config: Config;
  log: Logger;
  metrics: ServerMetrics;
}

/**
 * One caller talking to the assistant: a router, the browser's WebRTC
 * transports, media taps on the caller's tracks and the assistant's voice.
 */
export class Call extends TypedEmitter<CallEvents> {
  readonly id: string;
  /** Clock time the call started; media `ptsMs` are measured from here. */
  readonly startedAtMs: number;
  readonly router: ms.Router;
  readonly sink: AudioSink;
  /** The call's abort scope: its signal fires when the call closes; each assistant turn derives from it. */
  readonly scope = new CallScope();
  /** The call's assistant, once attached; null while the models it needs are missing. */
  assistant: AssistantPort | null = null;
  /** Who holds the call (its connection, or none while it waits for `resume`); set at `join`. */
  link: CallLink | null = null;
  readonly #deps: CallDeps;
  readonly #log: Logger;
  readonly #transports = new Map<string, ms.WebRtcTransport>();
  readonly #producers = new Map<string, ms.Producer>();
  readonly #consumers = new Map<string, ms.Consumer>();
  #audioTap: AudioTap | null = null;
  readonly #videoTaps = new Map<VideoSource, VideoTap>();
  /** The frames the watch lane sees: the screen's while one is shared, else the camera's. */
  readonly #video = new VideoSelector();
  #state: CallState = 'joined';
  #closed = false;

  private constructor(id: string, router: ms.Router, sink: AudioSink, deps: CallDeps) {
    super((event, error) => deps.log.error('call listener failed', { event, error }));
    this.id = id;
    this.router = router;
    this.sink = sink;
    this.#deps = deps;
    this.#log = deps.log.child({ callId: id });
    this.startedAtMs = deps.clock.nowMs();
    router.on('workerclose', () => {
      this.#log.error('media worker of this call died');
      this.emit('push', 'error', new SightlineError('ERR_MEDIA_WORKER_DIED').toWire());
      deps.metrics.errors.inc({ code: 'ERR_MEDIA_WORKER_DIED' });
      this.close('media worker died');
    });
  }

  static async create(deps: CallDeps): Promise<Call> {
    const router = await deps.pool.createRouter();
    try {
      const sink = await AudioSink.create({
        router,
        log: deps.log,
        idleSilence: deps.config.media.idleSilence,
      });
      const call = new Call(randomUUID(), router, sink, deps);
      deps.metrics.callsActive.inc();
      deps.metrics.callsTotal.inc();
      return call;
    } catch (error) {
      router.close();
      throw error;
    }
  }

  get state(): CallState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get audioTap(): AudioTap | null {
    return this.#audioTap;
  }

  /** The video tap the assistant watches: the shared screen's while there is one, else the camera's. */
  get videoTap(): VideoTap | null {
    return this.#videoTaps.get('screen') ?? this.#videoTaps.get('camera') ?? null;
  }

  /** The caller's tracks the call takes: each producer's id, source and whether it is paused (muted). */
  get producers(): { id: string; source: 'mic' | VideoSource; paused: boolean }[] {
    return [...this.#producers.values()].map((p) => ({
      id: p.id,
      source: p.appData.source as 'mic' | VideoSource,
      paused: p.paused,
    }));
  }

  /**
   * The video the assistant's watch lane reads, for the whole call: the screen's
   * frames while a screen is shared, the camera's otherwise. One reader.
   */
  get watchFrames(): AsyncIterable<VideoFrame> {
    return this.#video.frames;
  }

  get resources(): CallResources {
    const taps = [...this.#videoTaps.values()].filter((t) => !t.closed);
    return {
      transports: this.#transports.size,
      producers: this.#producers.size,
      consumers: this.#consumers.size,
      audioTaps: this.#audioTap && !this.#audioTap.closed ? 1 : 0,
      videoTaps: taps.length,
      ffmpegPids: taps.map((t) => t.ffmpegPid).filter((pid): pid is number => pid !== null),
    };
  }

  async createTransport(direction: 'send' | 'recv'): Promise<ms.WebRtcTransport> {
    this.#assertOpen();
    const { listenIp, announcedAddress, enableTcp } = this.#deps.config.media;
    const announced = announcedAddress ?? undefined;
    const listenInfos: ms.TransportListenInfo[] = [
      { protocol: 'udp', ip: listenIp, announcedAddress: announced },
    ];
    if (enableTcp) listenInfos.push({ protocol: 'tcp', ip: listenIp, announcedAddress: announced });
    const transport = this.#keepIfOpen(
      await this.router.createWebRtcTransport({
        listenInfos,
        enableUdp: true,
        enableTcp,
        preferUdp: true,
        appData: { direction },
      }),
    );
    this.#transports.set(transport.id, transport);
    this.#deps.metrics.transportsActive.inc();
    transport.observer.once('close', () => {
      this.#transports.delete(transport.id);
      this.#deps.metrics.transportsActive.dec();
    });
    transport.on('icestatechange', (iceState) => this.#onIceState(direction, iceState));
    transport.on('dtlsstatechange', (dtlsState) => {
      if (dtlsState === 'failed' || dtlsState === 'closed') {
        // 'closed' is the browser's close alert: a hang-up (its `leave` follows), not a fault.
        if (dtlsState === 'failed') this.#log.warn('transport DTLS failed', { direction });
        else this.#log.info('transport DTLS closed by the peer', { direction });
        if (direction === 'send') this.#setState('media-disconnected');
      }
    });
    return transport;
  }

  async connectTransport(transportId: string, dtlsParameters: ms.DtlsParameters): Promise<void> {
    await this.#transport(transportId).connect({ dtlsParameters });
  }

  /**
   * Accepts the caller's mic, camera or shared screen and starts the matching
   * media tap. A screen is what the assistant watches while it is shared
   * (closing it returns to the camera).
   */
  async produce(
    transportId: string,
    kind: 'audio' | 'video',
    source: 'mic' | VideoSource,
    rtpParameters: ms.RtpParameters,
  ): Promise<ms.Producer> {
    const transport = this.#transport(transportId);
    if ((source === 'mic') !== (kind === 'audio')) {
      throw new SightlineError(
        'ERR_INVALID_MESSAGE',
        'source "mic" is audio; "camera" and "screen" are video',
      );
    }
    if ([...this.#producers.values()].some((p) => p.appData.source === source)) {
      throw new SightlineError('ERR_INVALID_STATE', `a ${source} track is already published`);
    }
    const producer = this.#keepIfOpen(await transport.produce({ kind, rtpParameters, appData: { source } }));
    this.#producers.set(producer.id, producer);
    producer.observer.once('close', () => this.#producers.delete(producer.id));
    try {
      if (source === 'mic') await this.#startAudioTap(producer);
      else await this.#startVideoTap(producer, source);
    } catch (error) {
      producer.close();
      this.#assertOpen();
      throw new SightlineError('ERR_MEDIA', 'could not start processing this track', { cause: error });
    }
    return producer;
  }

  closeProducer(producerId: string): void {
    this.#producer(producerId).close();
  }

  /**
   * Mute: mediasoup stops forwarding the producer's RTP, so its tap (and the
   * assistant) get nothing from it until `resumeProducer`. Idempotent.
   */
  async pauseProducer(producerId: string): Promise<void> {
    await this.#producer(producerId).pause();
  }

  async resumeProducer(producerId: string): Promise<void> {
    await this.#producer(producerId).resume();
  }

  /** New ICE parameters for a transport whose connection failed (ICE restart). */
  async restartIce(transportId: string): Promise<ms.IceParameters> {
    return this.#transport(transportId).restartIce();
  }

  /** Creates the paused consumer of the assistant's voice; `resumeConsumer` starts it. */
  async consumeAssistant(transportId: string, rtpCapabilities: ms.RtpCapabilities): Promise<ms.Consumer> {
    const transport = this.#transport(transportId);
    const producerId = this.sink.producer.id;
    if (!this.router.canConsume({ producerId, rtpCapabilities })) {
      throw new SightlineError('ERR_INVALID_STATE', 'the client cannot receive Opus audio');
    }
    const consumer = this.#keepIfOpen(await transport.consume({ producerId, rtpCapabilities, paused: true }));
    this.#consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => this.#consumers.delete(consumer.id));
    return consumer;
  }

  async resumeConsumer(consumerId: string): Promise<void> {
    const consumer = this.#consumers.get(consumerId);
    if (!consumer) throw new SightlineError('ERR_NOT_FOUND', 'no such consumer');
    await consumer.resume();
  }

  /** Closes everything this call owns. Idempotent. */
  close(reason = 'closed'): void {
    if (this.#closed) return;
    this.#closed = true;
    this.scope.close(new SightlineError('ERR_ABORTED', `the call ended: ${reason}`));
    this.#audioTap?.close();
    for (const tap of this.#videoTaps.values()) tap.close();
    this.#video.close();
    this.sink.close();
    if (!this.router.closed) this.router.close();
    this.#deps.metrics.callsActive.dec();
    this.#setState('closed', reason);
    this.#log.info('call closed', {
      reason,
      durationMs: Math.round(this.#deps.clock.nowMs() - this.startedAtMs),
    });
    this.emit('closed', reason);
  }

  #assertOpen(): void {
    if (this.#closed) throw new SightlineError('ERR_INVALID_STATE', 'the call has ended');
  }

  /**
   * Returns `child`, or closes it and throws when the call ended while it was being
   * created: close() has already run and would never reach it.
   */
  #keepIfOpen<T extends { close(): void }>(child: T): T {
    if (this.#closed) {
      child.close();
      this.#assertOpen();
    }
    return child;
  }

  #producer(id: string): ms.Producer {
    this.#assertOpen();
    const producer = this.#producers.get(id);
    if (!producer) throw new SightlineError('ERR_NOT_FOUND', 'no such producer');
    return producer;
  }

  #transport(id: string): ms.WebRtcTransport {
    this.#assertOpen();
    const t = this.#transports.get(id);
    if (!t) throw new SightlineError('ERR_NOT_FOUND', 'no such transport');
    return t;
  }

  #setState(state: CallState, reason?: string): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('push', 'state', { state, callId: this.id, ...(reason ? { reason } : {}) });
  }

  #onIceState(direction: 'send' | 'recv', iceState: ms.IceState): void {
    if (direction !== 'send' || this.#closed) return;
    if (iceState === 'connected' || iceState === 'completed') this.#setState('media-connected');
    else if (iceState === 'disconnected' || iceState === 'closed') this.#setState('media-disconnected');
  }

  /** What every tap on `producer` is created with: this call's router, clock, start and log. */
  #tapOn(producer: ms.Producer) {
    return {
      router: this.router,
      producer,
      clock: this.#deps.clock,
      callStartMs: this.startedAtMs,
      log: this.#log,
    };
  }

  async #startAudioTap(producer: ms.Producer): Promise<void> {
    const tap = this.#keepIfOpen(await AudioTap.create(this.#tapOn(producer)));
    this.#audioTap = tap;
    this.#trackTap('audio', tap);
    this.emit('audioTap', tap);
  }

  async #startVideoTap(producer: ms.Producer, source: VideoSource): Promise<void> {
    const tap = this.#keepIfOpen(
      await VideoTap.create({
        ...this.#tapOn(producer),
        options: { fps: this.#deps.config.video.fps },
        onRestart: () => this.#deps.metrics.tapRestarts.inc(),
      }),
    );
    this.#videoTaps.set(source, tap);
    this.#video.add(source, tap);
    const forget = () => {
      this.#video.remove(source, tap);
      if (this.#videoTaps.get(source) === tap) this.#videoTaps.delete(source);
    };
    producer.observer.once('close', forget);
    void tap.whenClosed.then(forget);
    this.#trackTap('video', tap);
    this.emit('videoTap', tap, source);
  }

  #trackTap(kind: 'audio' | 'video', tap: { whenClosed: Promise<void> }): void {
    this.#deps.metrics.tapsActive.inc({ kind });
    void tap.whenClosed.then(() => this.#deps.metrics.tapsActive.dec({ kind }));
  }
}
