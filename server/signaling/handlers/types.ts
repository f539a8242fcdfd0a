import type { Method, RequestData, ResponseDataMap } from '../../../protocol/messages.js';
import type { Call } from '../../call/call.js';
import type { AppContext } from '../../context.js';

/** What one connection exposes to handlers. */
export interface ConnectionHandle {
  readonly id: string;
  /** Whose videos this connection may see: the join token's `user`, else its session id; null before `join`. */
  readonly owner: string | null;
  /** Sets the owner (at `join`) and pushes `video_progress` of the owner's videos from then on. */
  setOwner(owner: string): void;
  /** The joined call, or null before `join`. */
  call: Call | null;
  /**
   * Attaches a call to this connection (its events pushed here; the call's link
   * records this connection as its holder): a new call at `join`, a waiting one
   * at `resume`. Refused (ERR_CONNECTION_CLOSED, ERR_ALREADY_JOINED) once the
   * connection has closed or while another call is attached; a refused new call
   * is closed at once, a refused resumed one keeps waiting.
   */
  attach(call: Call, how?: 'join' | 'resume'): void;
  /** Ends the connection's call (the socket stays open). */
  leave(reason: string): void;
}

/** What one request's handler gets. */
export interface HandlerContext {
  app: AppContext;
  conn: ConnectionHandle;
  /**
   * Aborts when the request is abandoned: its connection closed (reason
   * ERR_CONNECTION_CLOSED) or it ran past REQUEST_TIMEOUT_MS (ERR_TIMEOUT). Whatever
   * the handler created meanwhile must be closed, since no one will ever use it.
   */
  signal: AbortSignal;
}

/** A request handler: validated data in, response data out, typed errors thrown. */
export type Handler<M extends Method> = (
  ctx: HandlerContext,
  data: RequestData<M>,
) => Promise<ResponseDataMap[M]>;
