import { TypedEmitter } from '../../core/events.js';
import { keepUnlessAborted } from '../../core/keepUnlessAborted.js';
import type { Logger } from '../../core/log.js';
import { SightlineError } from '../../protocol/errors.js';
import { Call, type CallDeps } from './call.js';

export type CallRegistryEvents = {
  /** A call was created; pipelines attach here. */
  call: [call: Call];
};

/** The calls in progress, bounded by the configured limit. */
export class CallRegistry extends TypedEmitter<CallRegistryEvents> {
  readonly #calls = new Map<string, Call>();
  readonly #deps: CallDeps;
  #starting = 0;

  constructor(deps: CallDeps, log: Logger) {
    super((event, error) => log.error('call registry listener failed', { event, error }));
    this.#deps = deps;
  }

  get size(): number {
    return this.#calls.size;
  }

  get(id: string): Call | undefined {
    return this.#calls.get(id);
  }

  all(): Call[] {
    return [...this.#calls.values()];
  }

  /**
   * Starts a call. When `signal` aborts while the call is being created (its
   * connection closed, its request timed out), the call is closed at once, never
   * announced, and the signal's reason is thrown: no one is left to close it later.
   */
  async create(options: { signal?: AbortSignal } = {}): Promise<Call> {
    const { signal } = options;
    signal?.throwIfAborted();
    if (this.#calls.size + this.#starting >= this.#deps.config.limits.maxCalls) {
      throw new SightlineError('ERR_CALL_LIMIT');
    }
    this.#starting++;
    let call: Call;
    try {
      call = await Call.create(this.#deps);
    } finally {
      this.#starting--;
    }
    keepUnlessAborted(signal, call, (c) =>
      c.close(`abandoned before the call was ready (${reasonCode(signal?.reason)})`),
    );
    this.#calls.set(call.id, call);
    call.once('closed', () => this.#calls.delete(call.id));
    this.emit('call', call);
    return call;
  }

  closeAll(reason: string): void {
    for (const call of this.#calls.values()) call.close(reason);
  }
}

function reasonCode(reason: unknown): string {
  return reason instanceof SightlineError ? reason.code : 'aborted';
}
