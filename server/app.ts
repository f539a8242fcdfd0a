import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { type Clock, systemClock } from '../core/clock.js';
import { createLogger, type Logger } from '../core/log.js';
import { createEchoGuard } from '../pipelines/listen/echoGuard.js';
import type { EchoGuard } from '../pipelines/listen/events.js';
import { MAX_IMAGE_MESSAGE_BYTES, SIGNALING_PATH } from '../protocol/version.js';
import { type LoadedModelSet, loadModelSet, type RemoteRoles } from './assistant/modelSet.js';
import { ownerOf, TokenIssuer } from './auth/token.js';
import { attachAssistant } from './call/attachAssistant.js';
import { CallRegistry } from './call/registry.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { createHttpServer } from './http/httpServer.js';
import { WorkerPool } from './media/workerPool.js';
import { ServerMetrics } from './metrics.js';
import { SignalingConnection } from './signaling/connection.js';
import { createVideoService } from './video/service.js';

/** The whole server: worker pool, HTTP, signaling and the calls. */
export class SightlineServer {
  readonly app: AppContext;
  readonly #http: Server;
  readonly #wss: WebSocketServer;
  /** Whether close() disposes the models (false for a set the caller injected and still owns). */
  readonly #ownsModels: boolean;
  #closed = false;

  private constructor(app: AppContext, http: Server, wss: WebSocketServer, ownsModels: boolean) {
    this.app = app;
    this.#http = http;
    this.#wss = wss;
    this.#ownsModels = ownsModels;
  }

  /**
   * Starts the server. The model set is loaded here, once, from
   * `config.assistant` (with `remote` roles plugged in), unless `models` is
   * given (tests share one loaded set; its owner disposes it). Missing models
   * do not stop the start: calls can join, `/readyz` names what is missing.
   */
  static async create(
    config: Config,
    options: {
      clock?: Clock;
      log?: Logger;
      models?: LoadedModelSet;
      remote?: RemoteRoles;
      /** One echo guard per call (tests may turn it off). */
      createEchoGuard?: () => EchoGuard | null;
    } = {},
  ): Promise<SightlineServer> {
    const clock = options.clock ?? systemClock;
    const log = options.log ?? createLogger({ level: config.log.level, logContent: config.log.content });
    const models =
      options.models ??
      (await loadModelSet({
        config: config.assistant,
        log: log.child({ component: 'models' }),
        ...(options.remote ? { remote: options.remote } : {}),
      }));
    const ownsModels = options.models === undefined;
    const disposeOwned = () => (ownsModels ? models.dispose() : Promise.resolve());
    const metrics = new ServerMetrics();
    const pool = await WorkerPool.create(
      {
        size: config.media.workers,
        rtcMinPort: config.media.rtcMinPort,
        rtcMaxPort: config.media.rtcMaxPort,
      },
      log,
    ).catch(async (error: unknown) => {
      await disposeOwned();
      throw error;
    });
    pool.on('workerDied', () => metrics.workerDeaths.inc());
    const tokens = new TokenIssuer(config.auth.secret, config.auth.tokenTtlMs);
    const videos = await createVideoService({
      config: config.video,
      models: models.models,
      textImage: models.textImage,
      maxNewTokens: config.assistant.maxNewTokens,
      ownerOf: (authorization) => {
        const claims = authorization?.startsWith('Bearer ')
          ? tokens.verify(authorization.slice(7).trim())
          : null;
        return claims ? ownerOf(claims) : null;
      },
      clock,
      log,
    }).catch(async (error: unknown) => {
      pool.close();
      await disposeOwned();
      throw error;
    });
    const calls = new CallRegistry({ pool, clock, config, log, metrics }, log);
    const app: AppContext = { config, clock, log, metrics, pool, tokens, calls, models, videos };
    const assistantModels = models.models;
    if (assistantModels) {
      calls.on('call', (call) =>
        attachAssistant(call, {
          models: assistantModels,
          clock,
          log,
          metrics,
          createEchoGuard: options.createEchoGuard ?? (() => createEchoGuard()),
          options: {
            maxNewTokens: config.assistant.maxNewTokens,
            bargeInMinSpeechMs: config.assistant.bargeInMinSpeechMs,
          },
        }),
      );
    }
    const http = createHttpServer(app);
    // The ws limit sits above the protocol limit so oversized messages get a typed reply, not a dropped socket.
    const wss = new WebSocketServer({
      server: http,
      path: SIGNALING_PATH,
      maxPayload: MAX_IMAGE_MESSAGE_BYTES + 64 * 1024,
    });
    wss.on('connection', (ws) => new SignalingConnection(ws, app));
    wss.on('error', (error) => log.error('websocket server error', { error }));
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(config.http.port, config.http.host, () => {
        http.off('error', reject);
        resolve();
      });
    }).catch(async (error: unknown) => {
      await videos.close();
      pool.close();
      await disposeOwned();
      throw error;
    });
    return new SightlineServer(app, http, wss, ownsModels);
  }

  /** The HTTP base URL, e.g. http://127.0.0.1:8080. */
  get url(): string {
    const { address, port } = this.#http.address() as AddressInfo;
    const host = address.includes(':') ? `[${address}]` : address;
    return `http://${host}:${port}`;
  }

  get calls(): CallRegistry {
    return this.app.calls;
  }

  get pool(): WorkerPool {
    return this.app.pool;
  }

  /** Ends every call, closes sockets, open HTTP streams (SSE, uploads), the ingest queue and workers. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.app.calls.closeAll('server shutting down');
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#http.closeAllConnections();
    await new Promise<void>((resolve) => this.#http.close(() => resolve()));
    await this.app.videos.close();
    this.app.pool.close();
    if (this.#ownsModels) await this.app.models.dispose();
  }
}
