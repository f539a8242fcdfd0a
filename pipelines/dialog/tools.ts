import { Ajv, type ValidateFunction } from 'ajv';
import type { CancelTimer, Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { LlmImage, LlmTool, LlmToolCall } from '../../models/roles/llm.js';
import { ModelError } from '../../models/runtime/errors.js';
import { SightlineError } from '../../protocol/errors.js';
import type { ToolOutcome } from '../assistant/port.js';

/** What running a tool gives back to the dialog. */
export interface ToolRunResult {
  /** What the model is told, as JSON text. */
  content: string;
  /** False when the tool failed, was refused or timed out (the model is told why). */
  ok: boolean;
  /** A still image to show the model before it goes on (`look_closer`). */
  image?: LlmImage;
}

/** A tool the server runs itself. `args` have passed the tool's schema. */
export interface BuiltinTool extends LlmTool {
  run(args: Record<string, unknown>, signal: AbortSignal): Promise<ToolRunResult>;
}

/** A call of an app's tool, sent to the client; it answers through `resolve`. */
export interface ClientToolCall {
  callId: string;
  name: string;
  arguments: unknown;
  timeoutMs: number;
}

export interface ToolRegistryOptions {
  builtins: readonly BuiltinTool[];
  /** How long a client has to answer a call; then the model is told `{"error":"timeout"}`. */
  clientTimeoutMs: number;
  clock: Clock;
  log: Logger;
  /** Sends a client tool call out (the assistant's `toolCall` event). */
  onClientCall: (call: ClientToolCall) => void;
}

interface PendingCall {
  settle: (outcome: ToolOutcome | 'timeout') => void;
}

const json = (value: unknown): string => JSON.stringify(value);
const refused = (error: string): ToolRunResult => ({ ok: false, content: json({ error }) });

/**
 * The tools the model may call: the built-ins and the app's (registered by the
 * client). Arguments are checked against each tool's JSON Schema (ajv) before
 * anything runs; a call that fails the check is refused and the model is told
 * why. A client tool is sent out with a call id and waited for until
 * `clientTimeoutMs`; the turn's abort drops the wait.
 */
export class ToolRegistry {
  readonly #o: ToolRegistryOptions;
  readonly #ajv = new Ajv({ allErrors: false, strict: false });
  readonly #builtins = new Map<string, { tool: BuiltinTool; validate: ValidateFunction }>();
  #client = new Map<string, { tool: LlmTool; validate: ValidateFunction }>();
  readonly #pending = new Map<string, PendingCall>();
  #nextCallId = 1;

  constructor(options: ToolRegistryOptions) {
    this.#o = options;
    for (const tool of options.builtins) {
      this.#builtins.set(tool.name, { tool, validate: this.#compile(tool) });
    }
  }

  /** Every tool the model may call, built-ins first. */
  get tools(): LlmTool[] {
    const describe = ({ name, description, parameters }: LlmTool): LlmTool => ({
      name,
      description,
      parameters,
    });
    return [
      ...[...this.#builtins.values()].map((b) => describe(b.tool)),
      ...[...this.#client.values()].map((c) => c.tool),
    ];
  }

  /** Client calls waiting for an answer. */
  get pendingCalls(): number {
    return this.#pending.size;
  }

  /**
   * Replaces the app's tools. A name taken by a built-in, a repeated name or a
   * schema ajv cannot compile is ERR_INVALID_ARGUMENT, and nothing changes.
   */
  setClientTools(tools: readonly LlmTool[]): void {
    const next = new Map<string, { tool: LlmTool; validate: ValidateFunction }>();
    for (const tool of tools) {
      if (this.#builtins.has(tool.name) || next.has(tool.name)) {
        throw new SightlineError('ERR_INVALID_ARGUMENT', `tool name ${tool.name} is already taken`);
      }
      next.set(tool.name, { tool: { ...tool }, validate: this.#compile(tool) });
    }
    this.#client = next;
  }

  /**
   * Runs one call the model asked for. Unknown tools, arguments that are not a
   * JSON object or fail the schema are refused (not run); a client that does
   * not answer in time gives `{"error":"timeout"}`. Rejects only with
   * ERR_ABORTED when `signal` aborts.
   */
  async run(call: LlmToolCall, signal: AbortSignal): Promise<ToolRunResult> {
    const builtin = this.#builtins.get(call.name);
    const client = this.#client.get(call.name);
    const entry = builtin ?? client;
    if (!entry) return refused(`unknown tool ${call.name}`);
    let args: unknown;
    try {
      args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
    } catch {
      return refused('arguments are not valid JSON');
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args)) {
      return refused('arguments must be a JSON object');
    }
    if (!entry.validate(args)) {
      const why = (entry.validate.errors ?? [])
        .map((e) => `${e.instancePath || '(arguments)'} ${e.message ?? 'is invalid'}`)
        .join('; ');
      return refused(`invalid arguments: ${why}`);
    }
    if (builtin) {
      try {
        return await builtin.tool.run(args as Record<string, unknown>, signal);
      } catch (error) {
        if (signal.aborted) throw new ModelError('ERR_ABORTED', 'the operation was aborted');
        this.#o.log.warn('a built-in tool failed', { tool: call.name, error });
        return refused(`${call.name} failed`);
      }
    }
    return this.#runClient(call.name, args, signal);
  }

  /** The client's answer to a call; an unknown or finished call id is ERR_NOT_FOUND. */
  resolve(callId: string, outcome: ToolOutcome): void {
    const pending = this.#pending.get(callId);
    if (!pending) throw new SightlineError('ERR_NOT_FOUND', `no tool call ${callId} is waiting`);
    pending.settle(outcome);
  }

  #runClient(name: string, args: object, signal: AbortSignal): Promise<ToolRunResult> {
    if (signal.aborted) return Promise.reject(new ModelError('ERR_ABORTED', 'the operation was aborted'));
    const callId = `call-${this.#nextCallId++}`;
    const timeoutMs = this.#o.clientTimeoutMs;
    return new Promise<ToolRunResult>((resolve, reject) => {
      let cancelTimer: CancelTimer = () => {};
      const done = () => {
        cancelTimer();
        signal.removeEventListener('abort', onAbort);
        this.#pending.delete(callId);
      };
      const onAbort = () => {
        done();
        reject(new ModelError('ERR_ABORTED', 'the operation was aborted'));
      };
      this.#pending.set(callId, {
        settle: (outcome) => {
          done();
          if (outcome === 'timeout') {
            this.#o.log.warn('a client tool did not answer in time', {
              code: 'ERR_TOOL_TIMEOUT',
              tool: name,
              callId,
              timeoutMs,
            });
            resolve(refused('timeout'));
          } else if (outcome.ok) resolve({ ok: true, content: json({ result: outcome.result }) });
          else resolve(refused(outcome.error));
        },
      });
      signal.addEventListener('abort', onAbort, { once: true });
      cancelTimer = this.#o.clock.setTimer(() => this.#pending.get(callId)?.settle('timeout'), timeoutMs);
      this.#o.onClientCall({ callId, name, arguments: args, timeoutMs });
    });
  }

  #compile(tool: LlmTool): ValidateFunction {
    try {
      return this.#ajv.compile(tool.parameters);
    } catch (error) {
      throw new SightlineError('ERR_INVALID_ARGUMENT', `the schema of tool ${tool.name} is invalid`, {
        cause: error,
      });
    }
  }
}
