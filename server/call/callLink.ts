import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { CancelTimer, Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import { SightlineError } from '../../protocol/errors.js';
import type { ServerEventMap } from '../../protocol/messages.js';
import type { ServerMetrics } from '../metrics.js';
import type { Call, CallEvents } from './call.js';

/** Events kept for a connection that dropped, newest last; older ones are dropped (and counted). */
export const MAX_BUFFERED_EVENTS = 200;

type Push = CallEvents['push'];

/** The connection that holds a call: it gets the call's events. */
export interface CallHolder {
  readonly id: string;
  push<E extends keyof ServerEventMap>(event: E, data: ServerEventMap[E]): void;
  /** Another connection resumed the call: this one lets go and closes its socket. */
  evict(reason: string): void;
}

export interface CallLinkOptions {
  /** Whose call it is (ownerOf the join token): only the same owner may resume it. */
  owner: string;
  /** How long the call waits for `resume` once its connection dropped; 0: it closes at once. */
  windowMs: number;
  clock: Clock;
  log: Logger;
  metrics: ServerMetrics;
}

/**
 * Who holds a call: one connection at a time, or nobody for up to `windowMs`
 * after the holder's socket dropped without `leave`. Meanwhile the call lives on
 * (transports, producers, assistant, conversation) and its events are buffered,
 * the last {@link MAX_BUFFERED_EVENTS} of them; `resume` on a new connection,
 * proven by the resume token (compared in constant time) and the same owner,
 * takes the call back and gets the buffer flushed. When the window ends first,
 * the call closes as if its socket had closed. A resume while another
 * connection still holds the call takes it over (the old socket is closed):
 * the client knows its old socket is dead before the server does.
 */
export class CallLink {
  /** 32 random bytes, base64url: the secret `resume` presents. */
  readonly resumeToken = randomBytes(32).toString('base64url');
  readonly owner: string;
  readonly windowMs: number;
  readonly #call: Call;
  readonly #o: CallLinkOptions;
  readonly #log: Logger;
  #holder: CallHolder | null = null;
  #buffer: Push[] = [];
  #dropped = 0;
  #cancelWindow: CancelTimer | null = null;

  constructor(call: Call, options: CallLinkOptions) {
    this.#call = call;
    this.#o = options;
    this.owner = options.owner;
    this.windowMs = options.windowMs;
    this.#log = options.log.child({ callId: call.id });
    call.on('push', (...event) => this.#onPush(event));
    call.once('closed', () => {
      this.#cancelWindow?.();
      this.#cancelWindow = null;
      this.#buffer = [];
    });
  }

  /** The connection holding the call, or null while it waits for `resume`. */
  get holder(): CallHolder | null {
    return this.#holder;
  }

  /** Events waiting for the next holder. */
  get buffered(): number {
    return this.#buffer.length;
  }

  /** Whether `resumeToken` is this call's (constant time) and `owner` its owner. */
  admits(resumeToken: string, owner: string): boolean {
    const given = Buffer.from(resumeToken);
    const mine = Buffer.from(this.resumeToken);
    const tokenOk = given.length === mine.length && timingSafeEqual(given, mine);
    return tokenOk && owner === this.owner;
  }

  /**
   * `holder` takes the call: the first at `join`, later ones at `resume`. A
   * current holder is evicted; the buffered events are flushed to the new one.
   */
  hold(holder: CallHolder, how: 'join' | 'resume'): void {
    if (this.#call.closed) throw new SightlineError('ERR_NOT_FOUND', 'the call has ended');
    const previous = this.#holder;
    this.#cancelWindow?.();
    this.#cancelWindow = null;
    this.#holder = holder;
    if (how === 'resume') {
      this.#o.metrics.callResumes.inc({ outcome: 'resumed' });
      this.#log.info('call resumed', {
        connId: holder.id,
        tookOver: previous !== null,
        buffered: this.#buffer.length,
        dropped: this.#dropped,
      });
    }
    if (previous && previous !== holder) previous.evict('the call was resumed on another connection');
    const buffer = this.#buffer;
    this.#buffer = [];
    this.#dropped = 0;
    for (const [event, data] of buffer) holder.push(event, data as never);
  }

  /**
   * `holder`'s socket dropped without `leave`: the call waits `windowMs` for a
   * resume, then closes. A connection that no longer holds the call changes nothing.
   */
  release(holder: CallHolder): void {
    if (this.#holder !== holder || this.#call.closed) return;
    this.#holder = null;
    if (this.windowMs <= 0) {
      this.#call.close('connection closed');
      return;
    }
    this.#log.info('connection dropped; the call waits for resume', { windowMs: this.windowMs });
    this.#cancelWindow = this.#o.clock.setTimer(() => {
      this.#cancelWindow = null;
      if (this.#holder || this.#call.closed) return;
      this.#o.metrics.callResumes.inc({ outcome: 'expired' });
      this.#call.close(`not resumed within ${this.windowMs} ms`);
    }, this.windowMs);
  }

  #onPush(event: Push): void {
    if (this.#holder) {
      const [name, data] = event;
      this.#holder.push(name, data as never);
      return;
    }
    if (this.#call.closed) return;
    this.#buffer.push(event);
    if (this.#buffer.length > MAX_BUFFERED_EVENTS) {
      this.#buffer.shift();
      this.#dropped++;
    }
  }
}
