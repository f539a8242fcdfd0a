import { createHash } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ModelError } from '../runtime/errors.js';
import { downloadFile, probe } from './download.js';
import { readLock, writeLock } from './lock.js';
import { MODEL_SETS, MODELS, type ModelEntry, type ModelFile, PULL_COMMAND } from './manifest.js';
import type { TransferProgress } from './progress.js';

export interface ModelManagerOptions {
  /** Where models live: `<dir>/<repo>/<file>`. */
  dir: string;
  /** Hugging Face or a mirror: files come from `{baseUrl}/{repo}/resolve/{revision}/{file}`. */
  baseUrl: string;
  models?: ModelEntry[];
  sets?: Record<string, string[]>;
  fetchImpl?: typeof fetch;
}

export interface FileStatus {
  file: ModelFile;
  path: string;
  present: boolean;
  partialBytes: number;
}

export { PULL_COMMAND } from './manifest.js';

/** Reads the models directory and mirror from the environment (SIGHTLINE_MODELS_DIR, HF_ENDPOINT). */
export function managerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ModelManagerOptions {
  return {
    dir:
      env.SIGHTLINE_MODELS_DIR ??
      join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sightline', 'models'),
    baseUrl: (env.SIGHTLINE_MODELS_BASE_URL ?? env.HF_ENDPOINT ?? 'https://huggingface.co').replace(
      /\/+$/,
      '',
    ),
  };
}

/** Lists, downloads (resumable, verified, atomic) and checks model files. */
export class ModelManager {
  readonly dir: string;
  readonly baseUrl: string;
  readonly models: ModelEntry[];
  readonly sets: Record<string, string[]>;
  readonly #fetch: typeof fetch | undefined;
  readonly #lockPath: string;

  constructor(o: ModelManagerOptions) {
    this.dir = o.dir;
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.models = o.models ?? MODELS;
    this.sets = o.sets ?? MODEL_SETS;
    this.#fetch = o.fetchImpl;
    this.#lockPath = join(o.dir, 'models.lock.json');
  }

  /** Model entries for ids and/or set names. */
  resolve(idsOrSets: string[]): ModelEntry[] {
    const ids = idsOrSets.flatMap((x) => this.sets[x] ?? [x]);
    return [...new Set(ids)].map((id) => {
      const m = this.models.find((e) => e.id === id);
      if (!m)
        throw new ModelError(
          'ERR_MODEL_INPUT',
          `unknown model or set "${id}" (known: ${[...Object.keys(this.sets), ...this.models.map((e) => e.id)].join(', ')})`,
        );
      return m;
    });
  }

  /** The directory a model's files are in. */
  pathOf(model: ModelEntry): string {
    return join(this.dir, ...model.repo.split('/'));
  }

  url(model: ModelEntry, file: ModelFile): string {
    return `${this.baseUrl}/${model.repo}/resolve/${encodeURIComponent(model.revision)}/${file.path}`;
  }

  status(model: ModelEntry): FileStatus[] {
    return model.files.map((file) => {
      const path = join(this.pathOf(model), file.path);
      const partial = `${path}.part`;
      return {
        file,
        path,
        present: existsSync(path),
        partialBytes: existsSync(partial) ? statSync(partial).size : 0,
      };
    });
  }

  /**
   * The directories of these models, or one ERR_MODEL_MISSING naming every missing
   * file and the command that fetches them (never a stack trace at start-up).
   */
  require(idsOrSets: string[]): Map<string, string> {
    const models = this.resolve(idsOrSets);
    const missing = models.flatMap((m) =>
      this.status(m)
        .filter((s) => !s.present)
        .map((s) => `${m.id}/${s.file.path}`),
    );
    if (missing.length > 0) {
      const shown =
        missing.slice(0, 6).join(', ') + (missing.length > 6 ? `, and ${missing.length - 6} more` : '');
      throw new ModelError(
        'ERR_MODEL_MISSING',
        `models are missing in ${this.dir}: ${shown}. Run: ${PULL_COMMAND} ${idsOrSets.map((x) => (this.sets[x] ? `--set ${x}` : x)).join(' ')}`,
      );
    }
    return new Map(models.map((m) => [m.id, this.pathOf(m)]));
  }

  /** Downloads what is missing. Checksums come from the manifest, then the lock file, then the server's LFS etag. */
  async pull(
    idsOrSets: string[],
    o: {
      signal?: AbortSignal;
      onProgress?: (p: TransferProgress, done?: boolean) => void;
      onFile?: (label: string, state: 'present' | 'fetching') => void;
    } = {},
  ): Promise<void> {
    const lock = await readLock(this.#lockPath);
    for (const model of this.resolve(idsOrSets)) {
      for (const s of this.status(model)) {
        const key = `${model.repo}@${model.revision}/${s.file.path}`;
        const label = `${model.id}/${s.file.path}`;
        if (s.present) {
          o.onFile?.(label, 'present');
          continue;
        }
        o.onFile?.(label, 'fetching');
        const url = this.url(model, s.file);
        const remote = await probe(url, { signal: o.signal, fetchImpl: this.#fetch });
        const expectedSha256 = s.file.sha256 ?? lock[key]?.sha256 ?? remote.sha256;
        const expectedSizeBytes = s.file.sizeBytes ?? lock[key]?.sizeBytes ?? remote.sizeBytes;
        const got = await downloadFile(url, s.path, {
          expectedSha256,
          expectedSizeBytes,
          label,
          onProgress: o.onProgress,
          signal: o.signal,
          fetchImpl: this.#fetch,
        });
        lock[key] = got;
        await writeLock(this.#lockPath, lock);
      }
    }
  }

  /** Re-hashes every present file against its pinned sha256. */
  async verify(idsOrSets: string[]): Promise<{ label: string; ok: boolean; reason: string }[]> {
    const lock = await readLock(this.#lockPath);
    const out: { label: string; ok: boolean; reason: string }[] = [];
    for (const model of this.resolve(idsOrSets)) {
      for (const s of this.status(model)) {
        const label = `${model.id}/${s.file.path}`;
        if (!s.present) {
          out.push({ label, ok: false, reason: 'missing' });
          continue;
        }
        const pinned = s.file.sha256 ?? lock[`${model.repo}@${model.revision}/${s.file.path}`]?.sha256;
        const hash = createHash('sha256');
        for await (const chunk of createReadStream(s.path)) hash.update(chunk as Buffer);
        const actual = hash.digest('hex');
        if (!pinned) out.push({ label, ok: true, reason: 'present (no pinned checksum)' });
        else
          out.push({
            label,
            ok: actual === pinned,
            reason: actual === pinned ? 'sha256 ok' : `sha256 ${actual} != pinned ${pinned}`,
          });
      }
    }
    return out;
  }
}
