import { SightlineError } from '../../protocol/errors.js';
import type { RequestData, ServerEventMap } from '../../protocol/wire.js';
import type { ToolCallEvent, ToolHandler, ToolOptions } from './api.js';
import { type ClientTool, failureText, type ToolParameters, toJsonValue, toWireTools } from './tools.js';

/** How long a handler may take when `ToolOptions.timeoutMs` is not given. */
export const DEFAULT_TOOL_TIMEOUT_MS = 10_000;

/** A client tool as the session keeps it. */
export interface RegisteredTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
  handler: ToolHandler;
  timeoutMs: number;
}

/** One answered `tool_call`: what to send the server, and the event the app sees. */
export interface ToolRun {
  result: RequestData<'toolResult'>;
  event: ToolCallEvent;
}

/**
 * The app's tools and their running calls. A call runs its handler with an
 * AbortSignal that fires on timeout (the tool's `timeoutMs`, or the server's if
 * shorter) and on `stop()` (hang-up); a throw, a timeout or a value that is not
 * JSON becomes a typed failure.
 */
export class ToolRunner {
  #tools = new Map<string, RegisteredTool>();
  readonly #running = new Set<AbortController>();

  get size(): number {
    return this.#tools.size;
  }

  /**
   * The wire list with `tool` added (or replacing the one of its name), checked as
   * the server will check it (throws ERR_INVALID_MESSAGE); `commit` keeps it.
   */
  withTool(
    name: string,
    parameters: Record<string, unknown>,
    handler: ToolHandler,
    options: ToolOptions,
  ): { wire: RequestData<'registerTools'>['tools']; commit: () => void } {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new SightlineError('ERR_INVALID_ARGUMENT', 'timeoutMs must be positive');
    const next = new Map(this.#tools);
    next.set(name, { name, description: options.description, parameters, handler, timeoutMs });
    return {
      wire: wireOf(next),
      commit: () => {
        this.#tools = next;
      },
    };
  }

  /** The wire list without `name`; `commit` keeps it. */
  without(name: string): { wire: RequestData<'registerTools'>['tools']; commit: () => void } {
    const next = new Map(this.#tools);
    next.delete(name);
    return {
      wire: wireOf(next),
      commit: () => {
        this.#tools = next;
      },
    };
  }

  /** Every tool in wire form (sent again after a resume). */
  wire(): RequestData<'registerTools'>['tools'] {
    return wireOf(this.#tools);
  }

  /** Runs one call; null when `stop()` cut it (nothing is sent then: the call is over). */
  async run(call: ServerEventMap['tool_call']): Promise<ToolRun | null> {
    const done = (outcome: ToolCallEvent['outcome']): ToolRun => ({
      result: outcome.ok
        ? { callId: call.callId, ok: true, result: outcome.result }
        : { callId: call.callId, ok: false, error: outcome.error },
      event: { callId: call.callId, name: call.name, arguments: call.arguments, outcome },
    });
    const tool = this.#tools.get(call.name);
    if (!tool) {
      return done({
        ok: false,
        code: 'ERR_TOOL_FAILED',
        error: `no tool named "${call.name}" is registered`,
      });
    }
    const timeoutMs = call.timeoutMs > 0 ? Math.min(tool.timeoutMs, call.timeoutMs) : tool.timeoutMs;
    const controller = new AbortController();
    this.#running.add(controller);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const cut = new Promise<'timeout' | 'stopped'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
      controller.signal.addEventListener('abort', () => resolve('stopped'), { once: true });
    });
    const args = (call.arguments ?? {}) as Record<string, unknown>;
    const ran = (async () => tool.handler(args, { signal: controller.signal }))().then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    try {
      const first = await Promise.race([ran, cut]);
      if (first === 'stopped') return null;
      if (first === 'timeout') {
        controller.abort(new SightlineError('ERR_TOOL_TIMEOUT', `timed out after ${timeoutMs} ms`));
        return done({ ok: false, code: 'ERR_TOOL_TIMEOUT', error: `timed out after ${timeoutMs} ms` });
      }
      if ('error' in first)
        return done({ ok: false, code: 'ERR_TOOL_FAILED', error: failureText(first.error) });
      const json = toJsonValue(first.value);
      return done(
        json.ok
          ? { ok: true, result: json.value }
          : { ok: false, code: 'ERR_TOOL_FAILED', error: json.error },
      );
    } finally {
      clearTimeout(timer);
      this.#running.delete(controller);
    }
  }

  /** Aborts every running handler (hang-up); their calls send nothing. */
  stop(): void {
    for (const c of this.#running) c.abort(new SightlineError('ERR_ABORTED', 'the session ended'));
    this.#running.clear();
  }

  /** Handlers still running. */
  get running(): number {
    return this.#running.size;
  }
}

function wireOf(tools: ReadonlyMap<string, RegisteredTool>): RequestData<'registerTools'>['tools'] {
  const asClientTools: ClientTool[] = [...tools.values()].map((t) => ({
    name: t.name,
    description: t.description,
    parameters: t.parameters as ToolParameters,
    handler: (args) => t.handler(args, { signal: AbortSignal.abort() }),
  }));
  return toWireTools(asClientTools);
}
