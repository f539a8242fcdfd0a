import { randomUUID } from 'node:crypto';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../../core/log.js';
import { settleOrAbort } from '../../core/settleOrAbort.js';
import { isExpectedError, SightlineError, type WireError } from '../../protocol/errors.js';
import {
  type ClientRequest,
  PROTOCOL_VERSION,
  parseClientMessage,
  type ServerEventMap,
  type ServerMessage,
} from '../../protocol/messages.js';
import type { Call } from '../call/call.js';
import type { AppContext } from '../context.js';
import type { VideoService } from '../video/types.js';
import { toSightlineError } from './errors.js';
import { handlers } from './handlers/index.js';
import type { ConnectionHandle, HandlerContext } from './handlers/types.js';
import { TokenBucket } from './rateLimiter.js';

const METRICS_PUSH_MS = 2000;
/** Messages a second a connection may send on average, and how many it may send at once. */
const RATE_PER_S = 50;
const BURST = 100;

/** Whether `owner` may see the video (a missing or foreign id reads as not found; a fault is logged). */
function ownsVideo(videos: VideoService, owner: string, videoId: string, log: Logger): boolean {
  try {
    videos.get(owner, videoId);
    return true;
  } catch (error) {
    if (!(error instanceof SightlineError && error.code === 'ERR_VIDEO_NOT_FOUND')) {
      log.warn('could not check who owns a video', { videoId, error });
    }
    return false;
  }
}

/**
 * One client's WebSocket: validates every message at the boundary, dispatches
 * requests to their handlers, replies with data or a typed error, pushes call
 * events. `leave` ends the call at once; a socket that drops without it lets the
 * call wait for `resume` on another connection (see CallLink).
 */
export class SignalingConnection implements ConnectionHandle {
  readonly id = randomUUID();
  call: Call | null = null;
  #owner: string | null = null;
  /** Stops pushing `video_progress` (the owner changed or the socket went). */
  #unwatchVideos: (() => void) | null = null;
  readonly #ws: WebSocket;
  readonly #app: AppContext;
  readonly #log: Logger;
  readonly #pending = new Set<number>();
  readonly #bucket: TokenBucket;
  /** Aborts, with ERR_CONNECTION_CLOSED, when the socket goes; every request's signal derives from it. */
  readonly #lifetime = new AbortController();
  #alive = true;
  #heartbeat: NodeJS.Timeout;
  #metricsTimer: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(ws: WebSocket, app: AppContext) {
    this.#ws = ws;
    this.#app = app;
    this.#log = app.log.child({ connId: this.id });
    this.#bucket = new TokenBucket({ ratePerS: RATE_PER_S, burst: BURST, clock: app.clock });
    ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
    ws.on('pong', () => {
      this.#alive = true;
    });
    ws.on('close', () => this.#onClose());
    ws.on('error', (error) => this.#log.warn('websocket error', { error }));
    // A browser that vanishes without a FIN is noticed by missed pongs.
    this.#heartbeat = setInterval(() => {
      if (!this.#alive) {
        this.#log.info('client stopped answering pings');
        ws.terminate();
        return;
      }
      this.#alive = false;
      ws.ping();
    }, app.config.limits.wsHeartbeatMs);
  }

  attach(call: Call, how: 'join' | 'resume' = 'join'): void {
    const refusal = this.#closed
      ? 'ERR_CONNECTION_CLOSED'
      : this.call && !this.call.closed
        ? 'ERR_ALREADY_JOINED'
        : null;
    if (refusal) {
      // A new call nobody else holds is closed; a resumed one waits on for another connection.
      if (how === 'join')
        call.close(
          refusal === 'ERR_CONNECTION_CLOSED'
            ? 'connection closed before the call was ready'
            : 'connection already in a call',
        );
      throw new SightlineError(refusal);
    }
    const link = call.link;
    if (!link) throw new SightlineError('ERR_INTERNAL', 'a call without its link');
    this.call = call;
    link.hold(this, how);
    call.once('closed', () => this.#stopMetrics());
    this.#stopMetrics();
    this.#metricsTimer = setInterval(() => this.#pushMetrics(call), METRICS_PUSH_MS);
    this.push('state', { state: how === 'join' ? 'joined' : call.state, callId: call.id });
  }

  /** Another connection resumed this one's call: this one lets go of it and closes. */
  evict(reason: string): void {
    this.call = null;
    this.#stopMetrics();
    this.#log.info('call taken over by another connection', { reason });
    this.#ws.close(4001, 'resumed elsewhere');
  }

  #stopMetrics(): void {
    if (this.#metricsTimer) clearInterval(this.#metricsTimer);
    this.#metricsTimer = null;
  }

  get owner(): string | null {
    return this.#owner;
  }

  setOwner(owner: string): void {
    if (this.#closed) return;
    this.#owner = owner;
    this.#unwatchVideos?.();
    this.#unwatchVideos = null;
    const videos = this.#app.videos;
    if (!videos) return;
    // The bus carries every owner's progress: only this owner's videos reach this client.
    this.#unwatchVideos = videos.progress.subscribe('*', (progress) => {
      if (this.#owner !== owner || !ownsVideo(videos, owner, progress.videoId, this.#log)) return;
      this.push('video_progress', progress);
    });
  }

  leave(reason: string): void {
    const call = this.call;
    this.call = null;
    call?.close(reason);
  }

  /** Sends a server event to this client. */
  push<E extends keyof ServerEventMap>(event: E, data: ServerEventMap[E]): void {
    this.#send({ v: PROTOCOL_VERSION, kind: 'event', event, data } as ServerMessage);
  }

  #send(message: ServerMessage): void {
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#ws.send(JSON.stringify(message));
  }

  #replyError(id: number | null, error: WireError): void {
    // Counted as reported only when the client can still hear it.
    if (this.#ws.readyState !== this.#ws.OPEN) return;
    this.#app.metrics.errors.inc({ code: error.code });
    this.#send({ v: PROTOCOL_VERSION, kind: 'response', id, ok: false, error });
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closed) return;
    if (!this.#bucket.take()) {
      this.#replyError(null, new SightlineError('ERR_RATE_LIMITED').toWire());
      return;
    }
    if (isBinary) {
      this.#replyError(
        null,
        new SightlineError('ERR_INVALID_MESSAGE', 'binary frames are not accepted').toWire(),
      );
      return;
    }
    const raw = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    const parsed = parseClientMessage(raw);
    if (!parsed.ok) {
      this.#log.debug('rejected message', { code: parsed.code, detail: parsed.detail });
      const e = new SightlineError(parsed.code);
      this.#replyError(parsed.id, { ...e.toWire(), message: `${e.message} (${parsed.detail})` });
      return;
    }
    void this.#dispatch(parsed.request);
  }

  async #dispatch(request: ClientRequest): Promise<void> {
    const { id, method } = request;
    if (this.#pending.has(id)) {
      this.#replyError(id, new SightlineError('ERR_DUPLICATE_REQUEST_ID').toWire());
      return;
    }
    this.#pending.add(id);
    this.#app.metrics.signalingMessages.inc({ method });
    // The request is abandoned when its connection closes or it runs out of time; either way
    // the handler sees its signal abort and closes whatever it created meanwhile.
    const deadline = new AbortController();
    const signal = AbortSignal.any([this.#lifetime.signal, deadline.signal]);
    const timer = setTimeout(
      () => deadline.abort(new SightlineError('ERR_TIMEOUT')),
      this.#app.config.limits.requestTimeoutMs,
    );
    const ctx: HandlerContext = { app: this.#app, conn: this, signal };
    const handler = handlers[method] as (c: HandlerContext, d: unknown) => Promise<unknown>;
    const work = handler(ctx, request.data);
    try {
      const data = await settleOrAbort(
        () => work,
        signal,
        () => signal.reason,
      );
      this.#send({ v: PROTOCOL_VERSION, kind: 'response', id, ok: true, data });
    } catch (error) {
      if (signal.aborted && error === signal.reason) this.#watchAbandoned(method, work);
      const e = toSightlineError(error);
      if (isExpectedError(error)) this.#log.debug('request rejected', { method, code: e.code });
      else if (e.code === 'ERR_TIMEOUT') this.#log.warn('request timed out', { method });
      else this.#log.error('request failed', { method, error });
      this.#replyError(id, e.toWire());
    } finally {
      clearTimeout(timer);
      this.#pending.delete(id);
    }
  }

  /** An abandoned handler still runs to its end; a fault it meets then is logged, not lost. */
  #watchAbandoned(method: string, work: Promise<unknown>): void {
    work.then(undefined, (error: unknown) => {
      if (!isExpectedError(error) && toSightlineError(error).code !== 'ERR_TIMEOUT') {
        this.#log.error('abandoned request failed', { method, error });
      }
    });
  }

  #pushMetrics(call: Call): void {
    const audio = call.audioTap?.stats;
    if (audio) {
      this.push('metrics', {
        type: 'audio_tap',
        framesOut: audio.framesOut,
        gapsFilledMs: Math.round(audio.filledMs),
        lateDropped: audio.lateDropped,
        reordered: audio.reordered,
      });
    }
    const video = call.videoTap?.stats;
    if (video) {
      this.push('metrics', {
        type: 'video_tap',
        framesOut: video.framesOut,
        restarts: video.restarts,
        fps: this.#app.config.video.fps,
      });
    }
    const sink = call.sink.stats;
    if (sink.packetsSent > 0) {
      this.push('metrics', {
        type: 'return_audio',
        packetsSent: sink.packetsSent,
        latenessP50Ms: sink.latenessP50Ms,
        latenessP99Ms: sink.latenessP99Ms,
      });
    }
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    this.#unwatchVideos?.();
    this.#unwatchVideos = null;
    this.#stopMetrics();
    // Without `leave`, the call waits for a `resume` (CALL_RESUME_WINDOW_MS) before it closes.
    const call = this.call;
    this.call = null;
    if (call?.link) call.link.release(this);
    else call?.close('connection closed');
    this.#lifetime.abort(new SightlineError('ERR_CONNECTION_CLOSED'));
  }
}
