import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import type { types as ms } from 'mediasoup';
import { AsyncQueue } from '../../../core/asyncQueue.js';
import type { CancelTimer, Clock } from '../../../core/clock.js';
import type { Logger } from '../../../core/log.js';
import type { VideoFrame } from '../../../core/media.js';
import { SightlineError } from '../../../protocol/errors.js';
import { MediaTap } from '../mediaTap.js';
import { findFreeUdpPortPair } from './ports.js';
import { type PpmImage, PpmStreamParser } from './ppmParser.js';
import { videoReceiveSdp } from './sdp.js';

export interface VideoTapOptions {
  /** Sampling rate, frames per second (0.1–5). */
  fps: number;
  ffmpegPath?: string;
  host: string;
  portRange: [number, number];
  queueFrames: number;
  keyFrameIntervalMs: number;
  maxRestartDelayMs: number;
}

export const DEFAULT_VIDEO_TAP_OPTIONS: VideoTapOptions = {
  fps: 1,
  host: '127.0.0.1',
  portRange: [20000, 29999],
  queueFrames: 16,
  keyFrameIntervalMs: 1000,
  maxRestartDelayMs: 5000,
};

export interface VideoTapStats {
  framesOut: number;
  restarts: number;
  queueDropped: number;
}

export interface VideoTapEvents {
  restart: (info: { restarts: number; reason: string }) => void;
}

const SUPPORTED = new Set(['video/vp8', 'video/h264']);

/** Resolves once something has bound UDP `port` on this host (Linux), or after `timeoutMs`. */
async function waitForUdpBind(port: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && !signal.aborted) {
    // Without /proc (not Linux) there is nothing to wait on: proceed and rely on keyframe retries.
    const table = await readFile('/proc/net/udp', 'utf8').catch(() => null);
    if (table === null || table.includes(hex)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Decodes the caller's camera with ffmpeg (PlainTransport → RTP → ffmpeg) and
 * samples it at `fps` into RGB frames. A dead ffmpeg is restarted with backoff
 * on the same ports and the stream resumes from the next keyframe.
 */
export class VideoTap extends MediaTap {
  readonly #consumer: ms.Consumer;
  readonly #opts: VideoTapOptions;
  readonly #clock: Clock;
  readonly #callStartMs: number;
  readonly #log: Logger;
  readonly #sdpPath: string;
  readonly #dir: string;
  readonly #queue: AsyncQueue<VideoFrame>;
  readonly #abort = new AbortController();
  readonly #onRestart: VideoTapEvents['restart'] | undefined;
  #command: ffmpeg.FfmpegCommand | null = null;
  #keyFrameTimer: CancelTimer | null = null;
  #restartTimer: CancelTimer | null = null;
  #framesOut = 0;
  #restarts = 0;
  #framesSinceStart = 0;
  /** pts_time values from ffmpeg's showinfo, paired in order with the images on stdout. */
  #ptsTimes: number[] = [];
  #images: PpmImage[] = [];
  #anchor: { ptsTime: number; ptsMs: number } | null = null;

  private constructor(p: {
    transport: ms.PlainTransport;
    consumer: ms.Consumer;
    opts: VideoTapOptions;
    clock: Clock;
    callStartMs: number;
    log: Logger;
    dir: string;
    onRestart?: VideoTapEvents['restart'];
  }) {
    super('video', p.consumer, p.transport, p.log);
    this.#consumer = p.consumer;
    this.#opts = p.opts;
    this.#clock = p.clock;
    this.#callStartMs = p.callStartMs;
    this.#log = p.log;
    this.#dir = p.dir;
    this.#sdpPath = join(p.dir, 'stream.sdp');
    this.#queue = new AsyncQueue(p.opts.queueFrames);
    this.#onRestart = p.onRestart;
  }

  static async create(p: {
    router: ms.Router;
    producer: ms.Producer;
    clock: Clock;
    callStartMs: number;
    log: Logger;
    options?: Partial<VideoTapOptions>;
    onRestart?: VideoTapEvents['restart'];
  }): Promise<VideoTap> {
    const opts = { ...DEFAULT_VIDEO_TAP_OPTIONS, ...p.options };
    if (!(opts.fps >= 0.1 && opts.fps <= 5))
      throw new SightlineError('ERR_INVALID_ARGUMENT', 'video tap fps must be within 0.1–5');
    const mime = p.producer.rtpParameters.codecs[0]?.mimeType.toLowerCase() ?? '';
    if (!SUPPORTED.has(mime))
      throw new SightlineError('ERR_UNSUPPORTED_CODEC', `video tap does not support ${mime || 'this codec'}`);
    const routerCodec = p.router.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === mime);
    if (!routerCodec) throw new SightlineError('ERR_INTERNAL', `router has no ${mime} codec`);

    const transport = await p.router.createPlainTransport({
      listenInfo: { protocol: 'udp', ip: opts.host },
      rtcpMux: false,
      comedia: false,
    });
    let dir: string | null = null;
    let started: VideoTap | null = null;
    try {
      const consumer = await transport.consume({
        producerId: p.producer.id,
        rtpCapabilities: { codecs: [routerCodec], headerExtensions: [] },
        paused: true,
      });
      dir = await mkdtemp(join(tmpdir(), 'sightline-vtap-'));
      const tap = new VideoTap({ ...p, transport, consumer, opts, dir });
      started = tap;
      const codec = consumer.rtpParameters.codecs[0] as ms.RtpCodecParameters;
      const port = await findFreeUdpPortPair(opts.host, opts.portRange[0], opts.portRange[1]);
      await writeFile(tap.#sdpPath, videoReceiveSdp(opts.host, port, codec));
      consumer.observer.once('close', () => tap.close());
      tap.#spawn();
      await waitForUdpBind(port, 3000, tap.#abort.signal);
      await transport.connect({ ip: opts.host, port, rtcpPort: port + 1 });
      await consumer.resume();
      tap.#requestKeyFrames();
      p.log.debug('video tap started', { producerId: p.producer.id, mime, port, fps: opts.fps });
      return tap;
    } catch (error) {
      // A router closed mid-way (the call ended) fails a later step after ffmpeg has started.
      started?.close();
      transport.close();
      if (dir) await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Sampled frames; single consumer; the oldest are dropped if it falls behind. Leaving the loop
   * early (`break`, `return`, a throw in its body) closes the tap: ffmpeg is killed, the consumer
   * and transport close, `closed` turns true and `whenClosed` resolves. To pause watching, keep
   * reading and discard. The loop ends by itself when the tap closes.
   */
  get frames(): AsyncIterable<VideoFrame> {
    return this.framesClosingTap(this.#queue);
  }

  /** The running ffmpeg's pid, or null between restarts. */
  get ffmpegPid(): number | null {
    const proc = (this.#command as unknown as { ffmpegProc?: { pid?: number } } | null)?.ffmpegProc;
    return proc?.pid ?? null;
  }

  get stats(): VideoTapStats {
    return { framesOut: this.#framesOut, restarts: this.#restarts, queueDropped: this.#queue.dropped };
  }

  protected release(): void {
    this.#abort.abort();
    this.#keyFrameTimer?.();
    this.#restartTimer?.();
    this.#kill();
    this.#queue.close();
    void rm(this.#dir, { recursive: true, force: true });
  }

  #kill(): void {
    const command = this.#command;
    this.#command = null;
    // ffmpeg ignores SIGINT while blocked on an idle socket: SIGKILL is the reliable stop.
    if (command) command.kill('SIGKILL');
  }

  #spawn(): void {
    const interval = 1 / this.#opts.fps;
    // Pick the first decoded frame of each 1/fps bucket: exact rate, no duplicates, no waiting.
    const select = `select='isnan(prev_selected_t)+gt(floor(t/${interval}),floor(prev_selected_t/${interval}))'`;
    const parser = new PpmStreamParser();
    this.#ptsTimes = [];
    this.#images = [];
    this.#anchor = null;
    this.#framesSinceStart = 0;
    const command = ffmpeg({ source: this.#sdpPath, stdoutLines: 20 })
      .inputOptions([
        '-protocol_whitelist',
        'file,udp,rtp',
        '-fpsprobesize',
        '0',
        '-reorder_queue_size',
        '64',
      ])
      .outputOptions(['-vf', `${select},showinfo`, '-fps_mode', 'passthrough', '-c:v', 'ppm'])
      .format('image2pipe')
      // Sampled frames can wait a few ms; the call's audio cannot. Keep decoders from preempting it.
      .renice(10);
    if (this.#opts.ffmpegPath) command.setFfmpegPath(this.#opts.ffmpegPath);
    const started = this.#clock.nowMs();
    command.on('stderr', (line: string) => {
      const m = /Parsed_showinfo.*\spts_time:\s*(-?[\d.]+)/.exec(line);
      if (m) {
        this.#ptsTimes.push(Number(m[1]));
        this.#pair();
      }
    });
    command.on('error', (error: Error) => {
      if (this.#command !== command) return;
      this.#command = null;
      this.#scheduleRestart(error.message, this.#clock.nowMs() - started);
    });
    command.on('end', () => {
      if (this.#command !== command) return;
      this.#command = null;
      this.#scheduleRestart('ffmpeg exited', this.#clock.nowMs() - started);
    });
    this.#command = command;
    const stdout = command.pipe();
    stdout.on('data', (chunk: Buffer) => {
      if (this.#command !== command) return;
      try {
        for (const img of parser.push(chunk)) this.#images.push(img);
        this.#pair();
      } catch (error) {
        this.#log.warn('video tap got a malformed frame stream', { error });
        this.#kill();
        this.#scheduleRestart('malformed frame stream', 0);
      }
    });
    stdout.on('error', (error) => this.#log.debug('video tap stdout error', { error }));
  }

  /** Emits frames once both the image and its showinfo timestamp have arrived. */
  #pair(): void {
    while (this.#images.length > 0 && this.#ptsTimes.length > 0) {
      const img = this.#images.shift() as PpmImage;
      const ptsTime = this.#ptsTimes.shift() as number;
      const nowMs = this.#clock.nowMs();
      if (!this.#anchor) this.#anchor = { ptsTime, ptsMs: nowMs - this.#callStartMs };
      const ptsMs = this.#anchor.ptsMs + (ptsTime - this.#anchor.ptsTime) * 1000;
      this.#framesOut++;
      this.#framesSinceStart++;
      this.#queue.push({ ptsMs, width: img.width, height: img.height, rgb: img.rgb, receivedAtMs: nowMs });
    }
    if (this.#images.length > 8 || this.#ptsTimes.length > 8) {
      // The two channels disagree; drop the backlog rather than mis-stamp frames.
      this.#images = [];
      this.#ptsTimes = [];
    }
  }

  #scheduleRestart(reason: string, ranForMs: number): void {
    if (this.closed) return;
    this.#restarts++;
    const delayMs =
      ranForMs > 10_000
        ? 100
        : Math.min(this.#opts.maxRestartDelayMs, 100 * 2 ** Math.min(this.#restarts, 6));
    this.#log.warn('video tap ffmpeg stopped; restarting', { reason, restarts: this.#restarts, delayMs });
    this.#onRestart?.({ restarts: this.#restarts, reason });
    this.#restartTimer?.();
    this.#restartTimer = this.#clock.setTimer(() => {
      this.#restartTimer = null;
      if (this.closed) return;
      this.#spawn();
      this.#requestKeyFrames();
    }, delayMs);
  }

  /** Asks the sender for a keyframe every interval until this ffmpeg has produced a frame. */
  #requestKeyFrames(): void {
    this.#keyFrameTimer?.();
    const tick = () => {
      this.#keyFrameTimer = null;
      if (this.closed || this.#framesSinceStart > 0) return;
      this.#consumer
        .requestKeyFrame()
        .catch((error: unknown) => this.#log.debug('keyframe request failed', { error }));
      this.#keyFrameTimer = this.#clock.setTimer(tick, this.#opts.keyFrameIntervalMs);
    };
    tick();
  }
}
