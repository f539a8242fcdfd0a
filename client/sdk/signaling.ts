import { isErrorCode, SightlineError, type WireError } from '../../protocol/errors.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import type {
  Method,
  RequestData,
  ResponseDataMap,
  ServerEventMap,
  ServerMessage,
} from '../../protocol/wire.js';
import type { SdkLogger } from './api.js';
import { Emitter } from './emitter.js';
import { validateServerMessage } from './validate.js';

/** Events of a signaling connection: the server's (validated) and the socket's close. */
export type SignalingEvents = { [E in keyof ServerEventMap]: [ServerEventMap[E]] } & {
  close: [code: number];
};

/** What a session needs of a signaling connection (a SignalingClient; a fake in unit tests). */
export interface SignalingPort {
  request<M extends Method>(method: M, data: RequestData<M>): Promise<ResponseDataMap[M]>;
  on<K extends keyof SignalingEvents>(event: K, listener: (...args: SignalingEvents[K]) => void): () => void;
  close(): void;
}

/** Opens a signaling connection to a WebSocket URL; rejects with ERR_CONNECTION_CLOSED when it cannot. */
export type OpenSignaling = (url: string, timeoutMs: number, logger?: SdkLogger) => Promise<SignalingPort>;

const SILENT: SdkLogger = { debug: () => undefined };

interface Pending {
  resolve: (data: unknown) => void;
  reject: (error: SightlineError) => void;
  timer: ReturnType<typeof setTimeout>;
}

function asWireError(e: WireError): SightlineError {
  return isErrorCode(e.code) ? SightlineError.fromWire(e) : new SightlineError('ERR_INTERNAL', e.message);
}

/** Request/response and server events over the signaling WebSocket. */
export class SignalingClient extends Emitter<SignalingEvents> implements SignalingPort {
  readonly #ws: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #timeoutMs: number;
  readonly #logger: SdkLogger;
  #nextId = 1;

  private constructor(ws: WebSocket, timeoutMs: number, logger: SdkLogger) {
    super();
    this.#ws = ws;
    this.#timeoutMs = timeoutMs;
    this.#logger = logger;
    ws.addEventListener('message', (ev) => this.#onMessage(ev.data));
    ws.addEventListener('close', (ev) => {
      for (const p of this.#pending.values()) {
        clearTimeout(p.timer);
        p.reject(new SightlineError('ERR_CONNECTION_CLOSED'));
      }
      this.#pending.clear();
      this.emit('close', ev.code);
    });
  }

  /**
   * Opens the socket; rejects with ERR_CONNECTION_CLOSED if it cannot. Server messages
   * that fail validation (client/sdk/validate.ts) are dropped with a `logger.debug` line.
   */
  static connect(url: string, timeoutMs = 10_000, logger: SdkLogger = SILENT): Promise<SignalingClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
      const fail = () => reject(new SightlineError('ERR_CONNECTION_CLOSED', `could not connect to ${url}`));
      ws.addEventListener('error', fail, { once: true });
      ws.addEventListener(
        'open',
        () => {
          ws.removeEventListener('error', fail);
          resolve(new SignalingClient(ws, timeoutMs, logger));
        },
        { once: true },
      );
    });
  }

  /** Sends a request; resolves with its data or rejects with a typed error (ERR_TIMEOUT after the timeout). */
  request<M extends Method>(method: M, data: RequestData<M>): Promise<ResponseDataMap[M]> {
    if (this.#ws.readyState !== WebSocket.OPEN)
      return Promise.reject(new SightlineError('ERR_CONNECTION_CLOSED'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new SightlineError('ERR_TIMEOUT', `${method} timed out`));
      }, this.#timeoutMs);
      this.#pending.set(id, { resolve: resolve as (d: unknown) => void, reject, timer });
      this.#ws.send(JSON.stringify({ v: PROTOCOL_VERSION, kind: 'request', id, method, data }));
    });
  }

  close(): void {
    this.#ws.close(1000);
  }

  #onMessage(raw: unknown): void {
    if (typeof raw !== 'string') return;
    const checked = validateServerMessage(raw);
    if (!checked.ok) {
      if (checked.reason === 'not-json') {
        const e = new SightlineError('ERR_BAD_JSON', 'the server sent a message that is not JSON');
        this.emit('error', e.toWire());
        return;
      }
      const what = checked.reason === 'unknown-event' ? 'an unknown' : 'an invalid';
      this.#logger.debug(`sightline: ignored ${what} server message`, {
        event: checked.event,
        field: checked.field,
      });
      return;
    }
    const msg: ServerMessage = checked.message;
    if (msg.kind === 'event') {
      (this.emit as (e: string, d: unknown) => void)(msg.event, msg.data);
      return;
    }
    if (msg.kind !== 'response') return;
    if (msg.id === null) {
      if (!msg.ok) this.emit('error', msg.error);
      return;
    }
    const p = this.#pending.get(msg.id);
    if (!p) return;
    this.#pending.delete(msg.id);
    clearTimeout(p.timer);
    if (msg.ok) p.resolve(msg.data);
    else p.reject(asWireError(msg.error));
  }
}
