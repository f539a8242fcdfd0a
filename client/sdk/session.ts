import { Device, type types as msc } from 'mediasoup-client';
import { isErrorCode, SightlineError } from '../../protocol/errors.js';
import { MAX_TEXT_CHARS } from '../../protocol/limits.js';
import { SIGNALING_PATH } from '../../protocol/version.js';
import type { AskRequest, AskResponse, VideoInfo } from '../../protocol/video.js';
import type {
  AssistantState,
  Method,
  ModelsStatus,
  RequestData,
  ResponseDataMap,
  ServerEventMap,
} from '../../protocol/wire.js';
import type {
  Connect,
  ConnectOptions,
  SdkLogger,
  Session,
  SessionEvents,
  SessionState,
  StartOptions,
  ToolHandler,
  ToolOptions,
  UploadVideoOptions,
} from './api.js';
import { Emitter } from './emitter.js';
import { blobToBase64, checkImage } from './image.js';
import { LocalMedia } from './media.js';
import { DEFAULT_BACKOFF, IceRecovery, retryWithBackoff } from './reconnect.js';
import { type OpenSignaling, SignalingClient, type SignalingPort } from './signaling.js';
import { type SessionPhase, sessionStateOf } from './state.js';
import { TokenSource } from './tokens.js';
import { ToolRunner } from './toolRunner.js';
import { consumeAssistant, createTransport, waitConnected } from './transports.js';
import * as videoApi from './video.js';

/** What a session is built from; tests replace the socket and the dev token. */
export interface SessionDeps {
  openSignaling: OpenSignaling;
  /** Dev-mode token (`POST /api/token`); the default asks the server. */
  devToken?: (o?: { baseUrl?: string; user?: string }) => Promise<string>;
  /** Backoff jitter's randomness (tests pin it). */
  random?: () => number;
  /** The session's one clock, ms (default `performance.now`). */
  now?: () => number;
}

const DEFAULT_DEPS: SessionDeps = {
  openSignaling: (url, timeoutMs, logger) => SignalingClient.connect(url, timeoutMs, logger),
};

const SILENT: SdkLogger = { debug: () => undefined };

/** Failures a reconnect attempt may outlive; anything else (a refused token, a call that is gone) ends it. */
const RETRYABLE_ON_RESUME = new Set([
  'ERR_CONNECTION_CLOSED',
  'ERR_TIMEOUT',
  'ERR_RATE_LIMITED',
  'ERR_INTERNAL',
]);

const codeOf = (error: unknown): string | null => (error instanceof SightlineError ? error.code : null);

/** Connected signaling of one call: what `resume` needs. */
interface Joined {
  callId: string;
  resumeToken: string;
  /** How long the server keeps the call for `resume` after the socket drops. */
  resumeWindowMs: number;
  routerRtpCapabilities: Record<string, unknown>;
}

/**
 * One conversation with the assistant (the `Session` of client/sdk/api.ts):
 * signaling from `connect()`, media from `start()`, reconnects after a
 * WebSocket cut (`resume`) or an ICE failure (`restartIce`), client tools,
 * video Q&A. Created by `connect()`.
 */
export class SightlineSession extends Emitter<SessionEvents> implements Session {
  readonly #opts: ConnectOptions;
  readonly #deps: SessionDeps;
  readonly #base: string;
  readonly #log: SdkLogger;
  readonly #now: () => number;
  readonly #tokens: TokenSource;
  readonly #tools = new ToolRunner();
  /** Aborted by hangUp: stops reconnect waits, ICE restarts and uploads' ingest watches. */
  readonly #lifetime = new AbortController();
  #signaling: SignalingPort | null = null;
  #joined: Joined;
  #basePhase: Exclude<SessionPhase, 'reconnecting'> = 'idle';
  #wsDownSinceMs: number | null = null;
  #assistant: AssistantState = 'listening';
  #state: SessionState = 'idle';
  #toolsDirty = false;
  #lastModels: ModelsStatus | null = null;
  #sendTransport: msc.Transport | null = null;
  #recvTransport: msc.Transport | null = null;
  #consumer: msc.Consumer | null = null;
  #media: LocalMedia | null = null;
  #audioEl: HTMLAudioElement | null = null;

  private constructor(opts: ConnectOptions, deps: SessionDeps, tokens: TokenSource, base: string) {
    super();
    this.#opts = opts;
    this.#deps = deps;
    this.#tokens = tokens;
    this.#base = base;
    this.#log = opts.logger ?? SILENT;
    this.#now = deps.now ?? (() => performance.now());
    this.#joined = { callId: '', resumeToken: '', resumeWindowMs: 0, routerRtpCapabilities: {} };
  }

  /**
   * Connects and joins (signaling only). Rejects with ERR_CONNECTION_CLOSED when the
   * server cannot be reached, ERR_UNAUTHORIZED when the token is refused (after one
   * fresh token through `getToken`, when given).
   */
  static async create(
    options: ConnectOptions = {},
    deps: SessionDeps = DEFAULT_DEPS,
  ): Promise<SightlineSession> {
    const base = options.url ?? globalThis.location.origin;
    const tokens = new TokenSource(
      {
        baseUrl: base,
        ...(options.token ? { token: options.token } : {}),
        ...(options.getToken ? { getToken: options.getToken } : {}),
        ...(options.user ? { user: options.user } : {}),
      },
      deps.devToken,
    );
    const session = new SightlineSession(options, deps, tokens, base);
    await tokens.withToken((token) => session.#join(token));
    return session;
  }

  get state(): SessionState {
    return this.#state;
  }
  get callId(): string | null {
    return this.#joined.callId || null;
  }
  get localStream(): MediaStream | null {
    return this.#media?.stream ?? null;
  }
  get assistantTrack(): MediaStreamTrack | null {
    return this.#consumer?.track ?? null;
  }
  get microphoneMuted(): boolean {
    return this.#media?.microphoneMuted ?? false;
  }
  get cameraMuted(): boolean {
    return this.#media?.cameraMuted ?? false;
  }
  get screenSharing(): boolean {
    return this.#media?.screenSharing ?? false;
  }

  /** Subscribes; a `models` listener also gets the status the server sent on join. */
  override on<E extends keyof SessionEvents>(
    event: E,
    listener: (...args: SessionEvents[E]) => void,
  ): () => void {
    const off = super.on(event, listener);
    const models = this.#lastModels;
    if (event === 'models' && models) {
      let live = true;
      const offAndStop = () => {
        live = false;
        off();
      };
      queueMicrotask(() => {
        if (live) (listener as (m: ModelsStatus) => void)(models);
      });
      return offAndStop;
    }
    return off;
  }

  // ---- media ------------------------------------------------------------------------------

  /**
   * Receives the assistant, publishes the devices `options` asks for, and resolves once
   * every transport is connected (ICE + DTLS). A start that fails hangs up (state
   * `closed`) and rejects with the cause (ERR_MEDIA for devices or ICE).
   */
  async start(options: StartOptions = {}): Promise<void> {
    if (this.#basePhase !== 'idle')
      throw new SightlineError('ERR_INVALID_STATE', 'the call is already started');
    this.#setPhase('connecting');
    const request = this.#request;
    // start() is bounded by the session's life: a hang-up rejects the step in flight at once with
    // ERR_ABORTED (whatever it waits on: a request, the browser's device prompt, ICE), and a
    // resource that step still delivers afterwards is closed on arrival. Each resource is stored
    // as soon as it exists, so the cleanup in `catch` frees it.
    const step = <T>(work: Promise<T>, dispose?: (value: T) => void): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        const signal = this.#lifetime.signal;
        const onAbort = () => reject(new SightlineError('ERR_ABORTED', 'hung up while starting'));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
        work.then(
          (value) => {
            signal.removeEventListener('abort', onAbort);
            if (signal.aborted) dispose?.(value);
            else resolve(value);
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(error);
          },
        );
      });
    const closeIt = (x: { close(): void }) => x.close();
    try {
      const device = new Device();
      await step(
        device.load({
          routerRtpCapabilities: this.#joined.routerRtpCapabilities as unknown as msc.RtpCapabilities,
        }),
      );
      this.#recvTransport = await step(createTransport(device, 'recv', request), closeIt);
      this.#ice.watch(this.#recvTransport);
      this.#consumer = await step(consumeAssistant(device, this.#recvTransport, request), closeIt);
      this.#playAssistant(this.#consumer.track);
      const wantsMedia = (options.audio ?? true) !== false || (options.video ?? true) !== false;
      if (wantsMedia) {
        this.#sendTransport = await step(createTransport(device, 'send', request), closeIt);
        this.#ice.watch(this.#sendTransport);
        this.#media = new LocalMedia(
          this.#sendTransport,
          request,
          (stream) => this.emit('localStream', stream),
          options.videoSend,
        );
        // A hang-up closes the media (#release), which stops devices granted after it.
        await step(this.#media.publish(options));
      }
      const timeoutMs = this.#opts.requestTimeoutMs ?? 10_000;
      await step(
        Promise.all(
          [this.#recvTransport, this.#sendTransport]
            .filter((t): t is msc.Transport => t !== null)
            .map((t) => waitConnected(t, timeoutMs)),
        ),
      );
      this.#setPhase('live');
    } catch (error) {
      // After a hang-up, whatever failed (a request cut by the closed socket, a closed transport)
      // failed because of it: the caller hears that it hung up, not a network or device fault.
      const e = this.#lifetime.signal.aborted
        ? new SightlineError('ERR_ABORTED', 'hung up while starting', { cause: error })
        : error instanceof SightlineError
          ? error
          : new SightlineError('ERR_MEDIA', String(error));
      this.#release();
      await this.hangUp();
      throw e;
    }
  }

  async hangUp(): Promise<void> {
    if (this.#lifetime.signal.aborted) return;
    this.#lifetime.abort();
    this.#tools.stop();
    this.#ice.dispose();
    const signaling = this.#signaling;
    this.#signaling = null;
    this.#release();
    this.#setPhase('closed');
    if (signaling) {
      // Best effort: the server also frees the call when the socket closes.
      await signaling.request('leave', {}).catch(() => undefined);
      signaling.close();
    }
  }

  /** Frees the call's media: devices, producers, the assistant's consumer, transports, the audio element. Idempotent. */
  #release(): void {
    this.#media?.close();
    this.#media = null;
    this.#consumer?.close();
    this.#consumer = null;
    this.#sendTransport?.close();
    this.#recvTransport?.close();
    this.#sendTransport = this.#recvTransport = null;
    if (this.#audioEl) {
      this.#audioEl.srcObject = null;
      this.#audioEl.remove();
      this.#audioEl = null;
    }
  }

  async setMicrophoneMuted(muted: boolean): Promise<void> {
    await this.#needMedia().setMicrophoneMuted(muted);
  }
  async setCameraMuted(muted: boolean): Promise<void> {
    await this.#needMedia().setCameraMuted(muted);
  }
  async switchMicrophone(deviceId: string): Promise<void> {
    await this.#needMedia().switchMicrophone(deviceId);
  }
  async switchCamera(deviceId: string): Promise<void> {
    await this.#needMedia().switchCamera(deviceId);
  }
  async shareScreen(on: boolean): Promise<void> {
    await this.#needMedia().shareScreen(on);
  }
  async talk(pressed: boolean): Promise<void> {
    await this.#needMedia().talk(pressed);
  }

  // ---- conversation -----------------------------------------------------------------------

  async sendText(text: string): Promise<{ turnId: string }> {
    const trimmed = text.trim();
    if (trimmed.length === 0 || trimmed.length > MAX_TEXT_CHARS) {
      throw new SightlineError('ERR_INVALID_MESSAGE', `text: 1 to ${MAX_TEXT_CHARS} characters`);
    }
    return this.#request('sendText', { text: trimmed });
  }

  async sendImage(image: Blob, question?: string): Promise<{ turnId: string }> {
    const mimeType = checkImage(image);
    const text = question?.trim();
    if (text && text.length > MAX_TEXT_CHARS) {
      throw new SightlineError('ERR_INVALID_MESSAGE', `text: at most ${MAX_TEXT_CHARS} characters`);
    }
    const dataBase64 = await blobToBase64(image);
    const { turnId } = await this.#request('sendImage', { mimeType, dataBase64, ...(text ? { text } : {}) });
    return { turnId };
  }

  async interrupt(): Promise<boolean> {
    return (await this.#request('interrupt', {})).interrupted;
  }

  async registerTool(
    name: string,
    parameters: Record<string, unknown>,
    handler: ToolHandler,
    options: ToolOptions,
  ): Promise<void> {
    await this.#sendTools(this.#tools.withTool(name, parameters, handler, options));
  }

  async unregisterTool(name: string): Promise<void> {
    await this.#sendTools(this.#tools.without(name));
  }

  // ---- video Q&A --------------------------------------------------------------------------

  async uploadVideo(file: Blob, options: UploadVideoOptions = {}): Promise<{ videoId: string }> {
    const { onProgress, onIngest, signal } = options;
    const uploaded = await this.#tokens.withToken((token) =>
      videoApi.uploadVideo(file, {
        baseUrl: this.#base,
        token,
        ...(onProgress ? { onProgress } : {}),
        ...(signal ? { signal, onAbort: 'discard' as const } : {}),
      }),
    );
    if (onIngest) {
      const watch = signal ? AbortSignal.any([signal, this.#lifetime.signal]) : this.#lifetime.signal;
      void this.#tokens
        .current()
        .then((token) =>
          videoApi.watchVideo(uploaded.videoId, onIngest, { baseUrl: this.#base, token, signal: watch }),
        )
        .catch((error: unknown) =>
          this.#log.debug('sightline: ingest watch ended', { error: String(error) }),
        );
    }
    return uploaded;
  }

  ask(videoId: string, question: string | AskRequest): Promise<AskResponse> {
    const request = typeof question === 'string' ? { question } : question;
    return this.#tokens.withToken((token) =>
      videoApi.askVideo(videoId, request, { baseUrl: this.#base, token }),
    );
  }

  listVideos(): Promise<VideoInfo[]> {
    return this.#tokens.withToken((token) => videoApi.listVideos({ baseUrl: this.#base, token }));
  }

  deleteVideo(videoId: string): Promise<void> {
    return this.#tokens.withToken((token) => videoApi.deleteVideo(videoId, { baseUrl: this.#base, token }));
  }

  async selectVideo(videoId: string | null): Promise<VideoInfo | null> {
    return (await this.#request('selectVideo', { videoId })).video;
  }

  // ---- signaling --------------------------------------------------------------------------

  /** Sends on the current connection; ERR_CONNECTION_CLOSED while reconnecting or after hang-up. */
  readonly #request = <M extends Method>(method: M, data: RequestData<M>): Promise<ResponseDataMap[M]> => {
    const signaling = this.#signaling;
    if (!signaling) {
      const why = this.#lifetime.signal.aborted ? 'the session has ended' : 'reconnecting; try again shortly';
      return Promise.reject(new SightlineError('ERR_CONNECTION_CLOSED', why));
    }
    return signaling.request(method, data);
  };

  #wsUrl(): string {
    const url = new URL(SIGNALING_PATH, this.#base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  }

  async #open(): Promise<SignalingPort> {
    const signaling = await this.#deps.openSignaling(
      this.#wsUrl(),
      this.#opts.requestTimeoutMs ?? 10_000,
      this.#log,
    );
    this.#listen(signaling);
    return signaling;
  }

  async #join(token: string): Promise<void> {
    const signaling = await this.#open();
    try {
      const joined = await signaling.request('join', { token });
      this.#joined = {
        callId: joined.callId,
        resumeToken: joined.resumeToken,
        resumeWindowMs: joined.resumeWindowMs,
        routerRtpCapabilities: joined.routerRtpCapabilities,
      };
      this.#signaling = signaling;
    } catch (error) {
      signaling.close();
      throw error;
    }
  }

  /** One `resume` on a new socket (a refused token is replaced once). */
  async #resume(): Promise<void> {
    const signaling = await this.#open();
    const ask = (token: string) =>
      signaling.request('resume', {
        token,
        callId: this.#joined.callId,
        resumeToken: this.#joined.resumeToken,
      });
    try {
      let resumed: ResponseDataMap['resume'];
      try {
        resumed = await ask(await this.#tokens.forResume());
      } catch (error) {
        if (codeOf(error) !== 'ERR_UNAUTHORIZED' || !this.#tokens.canRefresh) throw error;
        resumed = await ask(await this.#tokens.fresh());
      }
      if (this.#lifetime.signal.aborted) throw new SightlineError('ERR_ABORTED', 'hung up');
      this.#joined = {
        ...this.#joined,
        resumeToken: resumed.resumeToken,
        resumeWindowMs: resumed.resumeWindowMs,
      };
      this.#signaling = signaling;
    } catch (error) {
      signaling.close();
      throw error;
    }
  }

  #listen(s: SignalingPort): void {
    const current = () => this.#signaling === s || this.#signaling === null;
    s.on('state', ({ state }) => {
      if (state === 'closed' && this.#signaling === s) void this.hangUp();
    });
    s.on('assistant_state', ({ state }) => {
      this.#assistant = state;
      this.#updateState();
    });
    s.on('transcript', (t) =>
      this.emit('userTranscript', {
        utteranceId: t.utteranceId,
        text: t.text,
        final: t.final,
        startMs: t.startMs,
        endMs: t.endMs,
      }),
    );
    s.on('reply', (r) =>
      this.emit('assistantText', {
        turnId: r.turnId,
        text: r.text,
        final: r.final,
        playedMs: r.playedMs,
        interrupted: r.interrupted,
      }),
    );
    s.on('tool_call', (call) => void this.#answerToolCall(call));
    s.on('models', (m) => {
      this.#lastModels = m;
      this.emit('models', m);
    });
    s.on('metrics', (m) => {
      if (m.type === 'turn') this.emit('metrics', m);
    });
    s.on('video_answer', (a) => this.emit('videoAnswer', a));
    s.on('video_progress', (p) => this.emit('videoProgress', p));
    s.on('error', (wire) => {
      if (!current()) return;
      const error = isErrorCode(wire.code)
        ? SightlineError.fromWire(wire)
        : new SightlineError('ERR_INTERNAL', wire.message);
      this.emit('error', error);
      if (!error.recoverable) void this.hangUp();
    });
    s.on('close', () => {
      if (this.#signaling === s && !this.#lifetime.signal.aborted) this.#onSocketLost();
    });
  }

  async #sendTools(next: { wire: RequestData<'registerTools'>['tools']; commit: () => void }): Promise<void> {
    if (this.#lifetime.signal.aborted) throw new SightlineError('ERR_INVALID_STATE', 'the session has ended');
    if (this.#signaling) {
      await this.#signaling.request('registerTools', { tools: next.wire });
    } else {
      // Reconnecting: kept here and sent once the call is resumed.
      this.#toolsDirty = true;
    }
    next.commit();
  }

  async #answerToolCall(call: ServerEventMap['tool_call']): Promise<void> {
    const run = await this.#tools.run(call);
    if (!run) return;
    let outcome = run.event.outcome;
    try {
      await this.#request('toolResult', run.result);
    } catch (error) {
      if (codeOf(error) === 'ERR_NOT_FOUND') {
        // The server stopped waiting first: it has recorded ERR_TOOL_TIMEOUT.
        outcome = { ok: false, code: 'ERR_TOOL_TIMEOUT', error: 'the server stopped waiting for the tool' };
      } else if (!this.#lifetime.signal.aborted) {
        this.emit('error', error instanceof SightlineError ? error : new SightlineError('ERR_INTERNAL'));
      }
    }
    this.emit('toolCall', { ...run.event, outcome });
  }

  // ---- reconnect --------------------------------------------------------------------------

  #onSocketLost(): void {
    this.#signaling = null;
    const reconnect = this.#opts.reconnect ?? {};
    if (reconnect.enabled === false) {
      this.emit('error', new SightlineError('ERR_CONNECTION_CLOSED', 'the connection to the server dropped'));
      void this.hangUp();
      return;
    }
    this.#wsDownSinceMs = this.#now();
    this.#updateState();
    const signal = this.#lifetime.signal;
    retryWithBackoff(() => this.#resume(), {
      ...DEFAULT_BACKOFF,
      ...(reconnect.maxAttempts !== undefined ? { maxAttempts: reconnect.maxAttempts } : {}),
      ...(reconnect.baseDelayMs !== undefined ? { baseDelayMs: reconnect.baseDelayMs } : {}),
      signal,
      shouldRetry: (error) => {
        const code = codeOf(error);
        return (code === null || RETRYABLE_ON_RESUME.has(code)) && this.#withinResumeWindow();
      },
      onAttempt: (n, delayMs) => this.#log.debug('sightline: reconnecting', { attempt: n, delayMs }),
      ...(this.#deps.random ? { random: this.#deps.random } : {}),
    }).then(
      () => this.#onResumed(),
      (error: unknown) => {
        if (signal.aborted) return;
        const e =
          codeOf(error) === 'ERR_CONNECTION_CLOSED'
            ? new SightlineError('ERR_CONNECTION_CLOSED', 'could not reconnect to the server')
            : error instanceof SightlineError
              ? error
              : new SightlineError('ERR_CONNECTION_CLOSED', String(error));
        this.emit('error', e);
        void this.hangUp();
      },
    );
  }

  /** The server still holds the call (a window of 0: the server did not say; keep trying). */
  #withinResumeWindow(): boolean {
    const windowMs = this.#joined.resumeWindowMs;
    const since = this.#wsDownSinceMs;
    return !(windowMs > 0 && since !== null && this.#now() - since >= windowMs);
  }

  #onResumed(): void {
    const downMs = Math.round(this.#now() - (this.#wsDownSinceMs ?? this.#now()));
    this.#wsDownSinceMs = null;
    this.#updateState();
    this.emit('reconnected', { downMs, iceRestarted: false });
    if (this.#toolsDirty) {
      this.#toolsDirty = false;
      void this.#request('registerTools', { tools: this.#tools.wire() }).catch((error: unknown) =>
        this.emit('error', error instanceof SightlineError ? error : new SightlineError('ERR_INTERNAL')),
      );
    }
    // ICE that failed while the socket was down is restarted now.
    this.#ice.retryDown();
  }

  /** ICE recovery of this session's transports (`restartIce` on the current signaling). */
  readonly #ice = new IceRecovery<msc.Transport>({
    restart: async (transport) => {
      const { iceParameters } = await this.#request('restartIce', { transportId: transport.id });
      await transport.restartIce({ iceParameters: iceParameters as unknown as msc.IceParameters });
    },
    canRestart: () => this.#signaling !== null,
    onDown: () => this.#updateState(),
    onUp: (downMs) => {
      this.#updateState();
      this.emit('reconnected', { downMs, iceRestarted: true });
    },
    now: () => this.#now(),
    log: (message, fields) => this.#log.debug(message, fields),
  });

  // ---- state ------------------------------------------------------------------------------

  #setPhase(phase: Exclude<SessionPhase, 'reconnecting'>): void {
    this.#basePhase = phase;
    this.#updateState();
  }

  #updateState(): void {
    const down = this.#wsDownSinceMs !== null || this.#ice.down;
    const phase: SessionPhase = this.#basePhase !== 'closed' && down ? 'reconnecting' : this.#basePhase;
    const state = sessionStateOf(phase, this.#assistant);
    if (state === this.#state) return;
    this.#state = state;
    this.emit('state', state);
  }

  #needMedia(): LocalMedia {
    if (!this.#media)
      throw new SightlineError('ERR_INVALID_STATE', 'no devices are published: start() first');
    return this.#media;
  }

  #playAssistant(track: MediaStreamTrack): void {
    if (this.#opts.autoPlay ?? true) {
      const el = document.createElement('audio');
      el.autoplay = true;
      el.dataset.sightline = 'assistant';
      el.srcObject = new MediaStream([track]);
      document.body.appendChild(el);
      this.#audioEl = el;
    }
    this.emit('assistantTrack', track);
  }
}

/**
 * Connects to a Sightline server (signaling only; `start()` adds media).
 *
 * ```ts
 * const session = await connect({ url: 'https://assistant.example.com', getToken });
 * session.on('assistantText', (t) => console.log(t.text));
 * await session.start({ audio: true, video: true });
 * ```
 */
export const connect: Connect = (options) => SightlineSession.create(options);
