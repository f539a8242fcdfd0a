import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Logger } from '../../core/log.js';
import { ModelError, throwIfAborted } from './errors.js';

/** Threading for one session. Small models (VAD) want 1 thread; big ones can take more. */
export interface SessionThreads {
  intraOp?: number;
  interOp?: number;
}

/** Tensors by name. */
export type Feeds = Record<string, ort.Tensor>;

/** A tensor's declared element type and shape (numbers, or symbolic axis names). */
export interface TensorSpec {
  type: string;
  shape: readonly (number | string)[];
}

function tensorSpec(
  names: readonly string[],
  metadata: readonly ort.InferenceSession.ValueMetadata[],
  name: string,
): TensorSpec | null {
  const meta = metadata[names.indexOf(name)];
  if (!meta?.isTensor) return null;
  return { type: meta.type, shape: meta.shape };
}

function describe(feeds: Feeds): Record<string, string> {
  return Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, `${t.type}[${t.dims.join(',')}]`]));
}

/**
 * One ONNX InferenceSession, loaded once and shared by every stream. Feeds are
 * checked against the session's own input names before running; on failure the
 * names, dtypes and shapes are logged, never the values.
 */
export class OnnxModel {
  readonly name: string;
  readonly #session: ort.InferenceSession;
  readonly #log: Logger | undefined;
  #disposed = false;

  private constructor(name: string, session: ort.InferenceSession, log?: Logger) {
    this.name = name;
    this.#session = session;
    this.#log = log;
  }

  /** Loads a model from a file path or bytes. */
  static async load(
    name: string,
    source: string | Uint8Array,
    options: { threads?: SessionThreads; log?: Logger } = {},
  ): Promise<OnnxModel> {
    if (typeof source === 'string' && !existsSync(source)) {
      throw new ModelError('ERR_MODEL_MISSING', `${name}: model file not found at ${source}`);
    }
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: options.threads?.intraOp ?? 1,
      interOpNumThreads: options.threads?.interOp ?? 1,
      graphOptimizationLevel: 'all',
      logSeverityLevel: 3,
    };
    try {
      const session =
        typeof source === 'string'
          ? await ort.InferenceSession.create(source, sessionOptions)
          : await ort.InferenceSession.create(source, sessionOptions);
      return new OnnxModel(name, session, options.log);
    } catch (error) {
      throw new ModelError('ERR_MODEL_LOAD', `${name}: could not load the model`, { cause: error });
    }
  }

  get inputNames(): readonly string[] {
    return this.#session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.#session.outputNames;
  }

  /** Declared dtype and shape of input `name`; null when there is no such tensor input. */
  inputSpec(name: string): TensorSpec | null {
    return tensorSpec(this.#session.inputNames, this.#session.inputMetadata, name);
  }

  /** Declared dtype and shape of output `name`; null when there is no such tensor output. */
  outputSpec(name: string): TensorSpec | null {
    return tensorSpec(this.#session.outputNames, this.#session.outputMetadata, name);
  }

  /** Runs the model. Missing or unknown feeds fail before the native call with ERR_MODEL_INPUT. */
  async run(
    feeds: Feeds,
    options: { signal?: AbortSignal; outputs?: readonly string[] } = {},
  ): Promise<Feeds> {
    if (this.#disposed) throw new ModelError('ERR_MODEL_DISPOSED', `${this.name}: the model was disposed`);
    throwIfAborted(options.signal);
    const expected = this.#session.inputNames;
    const missing = expected.filter((n) => !(n in feeds));
    const unknown = Object.keys(feeds).filter((n) => !expected.includes(n));
    if (missing.length > 0 || unknown.length > 0) {
      this.#log?.warn('model feeds do not match its inputs', {
        model: this.name,
        missing,
        unknown,
        feeds: describe(feeds),
      });
      throw new ModelError(
        'ERR_MODEL_INPUT',
        `${this.name}: missing inputs [${missing.join(', ')}], unknown inputs [${unknown.join(', ')}]`,
      );
    }
    try {
      const out = options.outputs
        ? await this.#session.run(feeds, options.outputs as string[])
        : await this.#session.run(feeds);
      return out as Feeds;
    } catch (error) {
      this.#log?.warn('model run failed', { model: this.name, feeds: describe(feeds) });
      throw new ModelError(
        'ERR_MODEL_RUN',
        `${this.name}: inference failed on ${JSON.stringify(describe(feeds))}`,
        {
          cause: error,
        },
      );
    }
  }

  /** Frees the native session. Idempotent. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    await this.#session.release();
  }
}

/**
 * Loads the sessions of a multi-file model in order (`files`: a layout's
 * session table, name → path inside `dir`; each session is named
 * `family-name`), then runs `check` (the load-time checks, which may read the
 * sessions' metadata). If a load or the check fails, every session loaded so
 * far is disposed before the error is rethrown.
 */
export async function loadSessions<K extends string, T>(
  family: string,
  dir: string,
  files: Readonly<Record<K, string>>,
  options: { threads?: SessionThreads; log?: Logger },
  check: (sessions: Readonly<Record<K, OnnxModel>>) => T,
): Promise<{ sessions: Record<K, OnnxModel>; checked: T }> {
  const loaded: OnnxModel[] = [];
  try {
    const sessions = {} as Record<K, OnnxModel>;
    for (const [name, file] of Object.entries(files) as [K, string][]) {
      sessions[name] = await OnnxModel.load(`${family}-${name}`, join(dir, file), options);
      loaded.push(sessions[name]);
    }
    return { sessions, checked: check(sessions) };
  } catch (error) {
    await Promise.all(loaded.map((m) => m.dispose()));
    throw error;
  }
}
