import type { Method, RequestData, ResponseDataMap } from '../../../protocol/messages.js';
import type { Call } from '../../call/call.js';
import type { AppContext } from '../../context.js';

/** What one connection exposes to handlers. */
export interface ConnectionHandle {
  readonly id: string;
  /** The joined call, or null before `join`. */
  call: Call | null;
  /** Attaches a call to this connection (push events, close on disconnect). */
  attach(call: Call): void;
  /** Ends the connection's call (the socket stays open). */
  leave(reason: string): void;
}

export interface HandlerContext {
  app: AppContext;
  conn: ConnectionHandle;
}

/** A request handler: validated data in, response data out, typed errors thrown. */
export type Handler<M extends Method> = (
  ctx: HandlerContext,
  data: RequestData<M>,
) => Promise<ResponseDataMap[M]>;
