import type { types as msc } from 'mediasoup-client';
import { Device } from 'mediasoup-client';
import { SightlineError, type WireError } from '../../protocol/errors.js';
import { MAX_TEXT_CHARS } from '../../protocol/limits.js';
import { SIGNALING_PATH } from '../../protocol/version.js';
import type { CallState, ResponseDataMap, ServerEventMap } from '../../protocol/wire.js';
import { Emitter } from './emitter.js';
import { blobToBase64, checkImage } from './image.js';
import { SignalingClient } from './signaling.js';
import { type ClientTool, runToolCall, toWireTools } from './tools.js';

/** Assistant events the client passes on as the server sent them. */
const ASSISTANT_EVENTS = [
  'assistant_state',
  'transcript',
  'reply',
  'tool_call',
  'models',
  'metrics',
  'video_answer',
  'video_progress',
] as const;
type AssistantEvent = (typeof ASSISTANT_EVENTS)[number];

/** Events a `SightlineClient` emits. */
export type SightlineClientEvents = {
  state: [state: CallState | 'connecting' | 'idle'];
  /** A recoverable failure: a server error event, or a tool answer that could not be sent. */
  error: [SightlineError];
  /** The assistant's audio track arrived (attach it, or let the SDK play it). */
  assistantTrack: [MediaStreamTrack];
} & { [E in AssistantEvent]: [ServerEventMap[E]] };

/** How the camera is sent: tuned so the server sees the capture resolution from the first seconds. */
export interface VideoSendOptions {
  /**
   * Where the browser's bandwidth estimate starts, in kbps (SDP `x-google-start-bitrate`);
   * 0 keeps the browser's own start (~300 kbps, which sends a 640x480 camera at 320x240 for many seconds).
   */
  startBitrateKbps?: number;
  /** The camera encoding's ceiling, in kbps (one encoding at full scale); 0 leaves the browser's own encodings. */
  maxBitrateKbps?: number;
  /** Under a tight network, drop frame rate rather than resolution (`contentHint = 'detail'`). */
  maintainResolution?: boolean;
}

/** The defaults of `VideoSendOptions`. */
export const DEFAULT_VIDEO_SEND: Required<VideoSendOptions> = {
  startBitrateKbps: 1000,
  maxBitrateKbps: 2500,
  maintainResolution: true,
};

/** Options of the older `SightlineClient` (new code: `connect()` and `ConnectOptions`). */
export interface SightlineClientOptions {
  /** Server base URL, e.g. `http://localhost:8080`. Defaults to the page's origin. */
  serverUrl?: string;
  /** A session token; when absent one is requested from `POST /api/token`. */
  token?: string;
  /** Request timeout. */
  requestTimeoutMs?: number;
  /** Play the assistant through an `<audio>` element the SDK manages (default true). */
  autoPlay?: boolean;
  /** How the camera is sent (defaults: DEFAULT_VIDEO_SEND). */
  video?: VideoSendOptions;
}

/** What `SightlineClient.start` publishes: the microphone and the camera, with constraints. */
export interface StartOptions {
  audio?: boolean | MediaTrackConstraints;
  video?: boolean | MediaTrackConstraints;
}

/**
 * A call with the assistant: connect, publish mic and camera, hear the reply.
 *
 * ```ts
 * const client = new SightlineClient();
 * client.on('state', (s) => console.log(s));
 * await client.start({ audio: true, video: true });
 * // ...
 * await client.close();
 * ```
 */
export class SightlineClient extends Emitter<SightlineClientEvents> {
  readonly #opts: SightlineClientOptions;
  #signaling: SignalingClient | null = null;
  #device: Device | null = null;
  #sendTransport: msc.Transport | null = null;
  #recvTransport: msc.Transport | null = null;
  #producers: msc.Producer[] = [];
  #consumer: msc.Consumer | null = null;
  #stream: MediaStream | null = null;
  #audioEl: HTMLAudioElement | null = null;
  #callId: string | null = null;
  /** The app's tools by name; sent on join and whenever they change. */
  #tools = new Map<string, ClientTool>();
  #state: CallState | 'connecting' | 'idle' = 'idle';

  constructor(options: SightlineClientOptions = {}) {
    super();
    this.#opts = options;
  }

  get state(): CallState | 'connecting' | 'idle' {
    return this.#state;
  }

  get callId(): string | null {
    return this.#callId;
  }

  /** The assistant's voice, once consumed. */
  get assistantTrack(): MediaStreamTrack | null {
    return this.#consumer?.track ?? null;
  }

  /** The local camera/mic stream being published. */
  get localStream(): MediaStream | null {
    return this.#stream;
  }

  /** Connects, joins, publishes the requested devices and starts receiving the assistant. */
  async start(options: StartOptions = { audio: true, video: true }): Promise<void> {
    if (this.#state !== 'idle' && this.#state !== 'closed') {
      throw new SightlineError('ERR_INVALID_STATE', 'the call is already started');
    }
    this.#setState('connecting');
    try {
      await this.#join();
      await this.#receiveAssistant();
      await this.#publish(options);
    } catch (error) {
      await this.close();
      throw error instanceof SightlineError ? error : new SightlineError('ERR_MEDIA', String(error));
    }
  }

  /** Hangs up: tells the server, stops devices, closes transports. Idempotent. */
  async close(): Promise<void> {
    const signaling = this.#signaling;
    this.#signaling = null;
    if (signaling) {
      // Best effort: the server also frees the call when the socket closes.
      await signaling.request('leave', {}).catch(() => undefined);
      signaling.close();
    }
    for (const p of this.#producers) p.close();
    this.#producers = [];
    this.#consumer?.close();
    this.#consumer = null;
    this.#sendTransport?.close();
    this.#recvTransport?.close();
    this.#sendTransport = this.#recvTransport = null;
    for (const t of this.#stream?.getTracks() ?? []) t.stop();
    this.#stream = null;
    if (this.#audioEl) {
      this.#audioEl.srcObject = null;
      this.#audioEl.remove();
      this.#audioEl = null;
    }
    if (this.#state !== 'idle') this.#setState('closed');
  }

  /** Sends a typed message to the assistant; it joins the dialog like spoken words. */
  async sendText(text: string): Promise<ResponseDataMap['sendText']> {
    const trimmed = text.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_TEXT_CHARS) {
      throw new SightlineError('ERR_INVALID_MESSAGE', `text: 1 to ${MAX_TEXT_CHARS} characters`);
    }
    return this.#joined().request('sendText', { text: trimmed });
  }

  /**
   * Sends a still image (a `File` from a picker, a `Blob` from a canvas) for the
   * assistant to look at, with an optional question about it. JPEG, PNG or WebP
   * up to MAX_IMAGE_BYTES: checked here before anything is sent.
   */
  async sendImage(image: Blob, text?: string): Promise<ResponseDataMap['sendImage']> {
    const mimeType = checkImage(image);
    const question = text?.trim();
    if (question && question.length > MAX_TEXT_CHARS) {
      throw new SightlineError('ERR_INVALID_MESSAGE', `text: at most ${MAX_TEXT_CHARS} characters`);
    }
    const signaling = this.#joined();
    const dataBase64 = await blobToBase64(image);
    return signaling.request('sendImage', { mimeType, dataBase64, ...(question ? { text: question } : {}) });
  }

  /**
   * Registers the app's own tools (replacing earlier ones). The SDK answers each
   * `tool_call` by running the tool's handler. Before the call starts they are
   * kept and sent on join.
   */
  async registerTools(tools: readonly ClientTool[]): Promise<void> {
    const wire = toWireTools(tools);
    // Kept only once the server has them (or, before the call, to send on join).
    if (this.#signaling && this.#callId) await this.#signaling.request('registerTools', { tools: wire });
    this.#tools = new Map(tools.map((t) => [t.name, t]));
  }

  /**
   * Asks about one of your uploaded videos (a ready one) from the next turn on:
   * every question, spoken or typed, is about it, and each answer is followed by
   * `video_answer` (its cited moments and evidence). null: back to the camera.
   */
  async selectVideo(videoId: string | null): Promise<ResponseDataMap['selectVideo']> {
    return this.#joined().request('selectVideo', { videoId });
  }

  #joined(): SignalingClient {
    if (!this.#signaling || !this.#callId) throw new SightlineError('ERR_NOT_JOINED');
    return this.#signaling;
  }

  async #answerToolCall(call: ServerEventMap['tool_call']): Promise<void> {
    const result = await runToolCall(call, this.#tools);
    const signaling = this.#signaling;
    if (!signaling) return;
    try {
      await signaling.request('toolResult', result);
    } catch (error) {
      this.emit('error', error instanceof SightlineError ? error : new SightlineError('ERR_INTERNAL'));
    }
  }

  #setState(state: CallState | 'connecting' | 'idle'): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }

  async #token(): Promise<string> {
    if (this.#opts.token) return this.#opts.token;
    const res = await fetch(new URL('/api/token', this.#base()), { method: 'POST' });
    const body = (await res.json()) as { token?: string; error?: WireError };
    if (!res.ok || !body.token) {
      throw new SightlineError('ERR_UNAUTHORIZED', body.error?.message ?? 'could not get a session token');
    }
    return body.token;
  }

  #base(): string {
    return this.#opts.serverUrl ?? globalThis.location.origin;
  }

  async #join(): Promise<void> {
    const token = await this.#token();
    const wsUrl = new URL(SIGNALING_PATH, this.#base());
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    const signaling = await SignalingClient.connect(wsUrl.toString(), this.#opts.requestTimeoutMs);
    this.#signaling = signaling;
    signaling.on('state', (s) => this.#setState(s.state));
    for (const event of ASSISTANT_EVENTS) {
      signaling.on(event, (data) => (this.emit as (e: AssistantEvent, d: unknown) => void)(event, data));
    }
    signaling.on('tool_call', (call) => void this.#answerToolCall(call));
    signaling.on('error', (e) => this.emit('error', SightlineError.fromWire(e)));
    signaling.on('close', () => {
      if (this.#signaling === signaling) void this.close();
    });
    const joined = await signaling.request('join', { token });
    this.#callId = joined.callId;
    const device = new Device();
    await device.load({
      routerRtpCapabilities: joined.routerRtpCapabilities as unknown as msc.RtpCapabilities,
    });
    this.#device = device;
    if (this.#tools.size > 0) {
      await signaling.request('registerTools', { tools: toWireTools([...this.#tools.values()]) });
    }
  }

  async #createTransport(direction: 'send' | 'recv'): Promise<msc.Transport> {
    const signaling = this.#signaling as SignalingClient;
    const device = this.#device as Device;
    const params = await signaling.request('createTransport', { direction });
    const options = params as unknown as msc.TransportOptions;
    const transport =
      direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
    transport.on('connect', ({ dtlsParameters }, callback, errback) => {
      signaling
        .request('connectTransport', {
          transportId: transport.id,
          dtlsParameters: dtlsParameters as unknown as Record<string, unknown>,
        })
        .then(() => callback(), errback);
    });
    if (direction === 'send') {
      transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
        signaling
          .request('produce', {
            transportId: transport.id,
            kind,
            source: appData.source as 'mic' | 'camera',
            rtpParameters: rtpParameters as unknown as Record<string, unknown>,
          })
          .then(({ producerId }) => callback({ id: producerId }), errback);
      });
    }
    return transport;
  }

  async #receiveAssistant(): Promise<void> {
    const signaling = this.#signaling as SignalingClient;
    const device = this.#device as Device;
    this.#recvTransport = await this.#createTransport('recv');
    const params = await signaling.request('consumeAssistant', {
      transportId: this.#recvTransport.id,
      rtpCapabilities: device.rtpCapabilities as unknown as Record<string, unknown>,
    });
    const consumer = await this.#recvTransport.consume({
      id: params.consumerId,
      producerId: params.producerId,
      kind: params.kind,
      rtpParameters: params.rtpParameters as unknown as msc.RtpParameters,
    });
    this.#consumer = consumer;
    if (this.#opts.autoPlay ?? true) {
      const el = document.createElement('audio');
      el.autoplay = true;
      el.dataset.sightline = 'assistant';
      el.srcObject = new MediaStream([consumer.track]);
      document.body.appendChild(el);
      this.#audioEl = el;
    }
    this.emit('assistantTrack', consumer.track);
    await signaling.request('resumeConsumer', { consumerId: consumer.id });
  }

  async #publish(options: StartOptions): Promise<void> {
    if (!options.audio && !options.video) return;
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: options.audio
        ? { echoCancellation: true, noiseSuppression: true, ...(options.audio === true ? {} : options.audio) }
        : false,
      video: options.video ?? false,
    });
    this.#stream = stream;
    this.#sendTransport = await this.#createTransport('send');
    const audio = stream.getAudioTracks()[0];
    if (audio) {
      this.#producers.push(
        await this.#sendTransport.produce({
          track: audio,
          appData: { source: 'mic' },
          codecOptions: { opusDtx: false },
        }),
      );
    }
    const video = stream.getVideoTracks()[0];
    if (video) this.#producers.push(await this.#produceCamera(this.#sendTransport, video));
  }

  /** Sends the camera at its capture resolution from the first frames (see VideoSendOptions). */
  async #produceCamera(transport: msc.Transport, track: MediaStreamTrack): Promise<msc.Producer> {
    const v = { ...DEFAULT_VIDEO_SEND, ...this.#opts.video };
    if (v.maintainResolution) track.contentHint = 'detail';
    return transport.produce({
      track,
      appData: { source: 'camera' },
      ...(v.maxBitrateKbps > 0
        ? { encodings: [{ maxBitrate: v.maxBitrateKbps * 1000, scaleResolutionDownBy: 1 }] }
        : {}),
      ...(v.startBitrateKbps > 0 ? { codecOptions: { videoGoogleStartBitrate: v.startBitrateKbps } } : {}),
    });
  }
}
