import { createReadStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as tus from 'tus-js-client';
import { Upload, type UrlStorage } from 'tus-js-client';
import type { WireError } from '../../protocol/errors.js';
import type { AskResponse, IngestProgress, VideoInfo } from '../../protocol/video.js';
import { defaultDataDir } from '../config.js';
import { type CliIo, processIo } from './io.js';
import {
  formatAnswer,
  formatList,
  ingestLine,
  parseSse,
  parseVideoArgs,
  UsageError,
  uploadLine,
  VIDEO_USAGE,
  type VideoCommand,
} from './videoArgs.js';

/** Node's file-backed URL storage: exported by the Node build, missing from the package's types. */
const FileUrlStorage = (tus as unknown as { FileUrlStorage: new (path: string) => UrlStorage })
  .FileUrlStorage;

/** Where the CLI talks to and as whom. */
export interface VideoCliEnv {
  url: string;
  token: string | null;
  user: string;
  apiKey: string | null;
  /** Where tus-js-client remembers unfinished uploads (`cli-uploads.json`). */
  dataDir: string;
}

/** The CLI's settings from the environment. */
export function videoCliEnv(env: NodeJS.ProcessEnv = process.env): VideoCliEnv {
  return {
    url: (env.SIGHTLINE_URL?.trim() || 'http://localhost:8080').replace(/\/+$/, ''),
    token: env.SIGHTLINE_TOKEN?.trim() || null,
    user:
      env.SIGHTLINE_USER?.trim() || `cli-${(env.USER ?? 'user').replace(/[^A-Za-z0-9_.@-]/g, '') || 'user'}`,
    apiKey: env.SIGHTLINE_API_KEY?.trim() || null,
    dataDir: env.SIGHTLINE_DATA_DIR?.trim() || defaultDataDir(env),
  };
}

/** A failed request, with the server's catalogue error when it sent one. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly wire: WireError | null,
  ) {
    super(wire ? `${wire.message} (${wire.code})` : `the server answered ${status}`);
    this.name = 'ApiError';
  }
}

async function token(env: VideoCliEnv): Promise<string> {
  if (env.token) return env.token;
  const res = await fetch(`${env.url}/api/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(env.apiKey ? { authorization: `Bearer ${env.apiKey}` } : {}),
    },
    body: JSON.stringify({ user: env.user }),
  });
  if (!res.ok) throw await apiError(res);
  return ((await res.json()) as { token: string }).token;
}

async function apiError(res: Response): Promise<ApiError> {
  try {
    const body = (await res.json()) as { error?: WireError };
    return new ApiError(res.status, body.error ?? null);
  } catch {
    return new ApiError(res.status, null);
  }
}

async function api<T>(env: VideoCliEnv, bearer: string, path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(`${env.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', ...init.headers },
  });
  if (!res.ok) throw await apiError(res);
  return (res.status === 204 ? undefined : await res.json()) as T;
}

/** Writes a progress line in place on a terminal, one line per update otherwise (logs, tests). */
function liner(io: CliIo, tty: boolean) {
  let last = '';
  return {
    show(line: string) {
      if (line === last) return;
      last = line;
      io.err.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
    },
    done() {
      if (tty && last !== '') io.err.write('\n');
      last = '';
    },
  };
}

/** Uploads over tus; a second run after a cut resumes where the server has it (fingerprint in cli-uploads.json). */
async function upload(
  env: VideoCliEnv,
  bearer: string,
  file: string,
  name: string,
  io: CliIo,
  tty: boolean,
): Promise<string> {
  const size = (await stat(file)).size;
  await mkdir(env.dataDir, { recursive: true });
  const line = liner(io, tty);
  const id = await new Promise<string>((resolve, reject) => {
    const upload = new Upload(createReadStream(file) as never, {
      endpoint: `${env.url}/api/videos`,
      headers: { authorization: `Bearer ${bearer}` },
      metadata: { filename: name },
      uploadSize: size,
      chunkSize: 8 * 1024 * 1024,
      retryDelays: [0, 1000, 3000, 5000],
      urlStorage: new FileUrlStorage(join(env.dataDir, 'cli-uploads.json')),
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => line.show(uploadLine(sent, total)),
      onError: (error) => {
        const res = (error as { originalResponse?: { getBody(): string; getStatus(): number } | null })
          .originalResponse;
        if (res) {
          try {
            const wire = (JSON.parse(res.getBody()) as { error?: WireError }).error ?? null;
            reject(new ApiError(res.getStatus(), wire));
            return;
          } catch {
            // Not our JSON: report tus's own error below.
          }
        }
        reject(error);
      },
      onSuccess: () => resolve((upload.url ?? '').split('/').pop() ?? ''),
    });
    upload
      .findPreviousUploads()
      .then((previous) => {
        const last = previous.sort((a, b) => b.creationTime.localeCompare(a.creationTime))[0];
        if (last) {
          io.err.write(`resuming the upload started ${last.creationTime}\n`);
          upload.resumeFromPreviousUpload(last);
        }
        upload.start();
      })
      .catch(reject);
  });
  line.done();
  return id;
}

/** Follows the SSE progress stream to its end; returns the last event. */
async function follow(
  env: VideoCliEnv,
  bearer: string,
  id: string,
  io: CliIo,
  tty: boolean,
): Promise<IngestProgress | null> {
  const res = await fetch(`${env.url}/api/videos/${id}/events`, {
    headers: { authorization: `Bearer ${bearer}` },
  });
  if (!res.ok || !res.body) throw await apiError(res);
  const line = liner(io, tty);
  const decoder = new TextDecoder();
  let buffer = '';
  let last: IngestProgress | null = null;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    const { events, rest } = parseSse(buffer);
    buffer = rest;
    for (const p of events) {
      last = p;
      line.show(ingestLine(p));
    }
  }
  line.done();
  return last;
}

async function run(
  command: Exclude<VideoCommand, { kind: 'help' }>,
  env: VideoCliEnv,
  io: CliIo,
  tty: boolean,
): Promise<number> {
  const bearer = await token(env);
  switch (command.kind) {
    case 'add': {
      const id = await upload(env, bearer, command.file, command.name ?? basename(command.file), io, tty);
      if (command.wait) {
        const last = await follow(env, bearer, id, io, tty);
        if (last?.status === 'failed') {
          io.out.write(`${id}\n`);
          io.err.write(
            `ingest failed: ${last.error?.message ?? 'unknown'} (${last.error?.code ?? 'ERR_VIDEO_INGEST_FAILED'})\n`,
          );
          return 1;
        }
        if (last?.status === 'queued')
          io.err.write('the video is queued: the server waits for its models (see /readyz)\n');
      }
      io.out.write(`${id}\n`);
      return 0;
    }
    case 'ask': {
      const answer = await api<AskResponse>(
        env,
        bearer,
        `/api/videos/${encodeURIComponent(command.id)}/ask`,
        {
          method: 'POST',
          body: JSON.stringify(command.request),
        },
      );
      io.out.write(command.json ? `${JSON.stringify(answer, null, 2)}\n` : formatAnswer(answer));
      return 0;
    }
    case 'list': {
      const { videos } = await api<{ videos: VideoInfo[] }>(env, bearer, '/api/videos');
      io.out.write(command.json ? `${JSON.stringify(videos, null, 2)}\n` : formatList(videos));
      return 0;
    }
    case 'rm':
      await api<void>(env, bearer, `/api/videos/${encodeURIComponent(command.id)}`, { method: 'DELETE' });
      io.err.write(`deleted ${command.id}\n`);
      return 0;
  }
}

/** Runs `sightline video ARGS…`: 0 ok, 1 failed (the server's code on stderr), 2 usage error. */
export async function videoCommand(
  args: string[],
  io: CliIo = processIo,
  env: VideoCliEnv = videoCliEnv(),
  tty = io === processIo && process.stderr.isTTY === true,
): Promise<number> {
  let command: VideoCommand;
  try {
    command = parseVideoArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err.write(`sightline video: ${error.message}\n\n${VIDEO_USAGE}\n`);
    return 2;
  }
  if (command.kind === 'help') {
    io.out.write(`${VIDEO_USAGE}\n`);
    return 0;
  }
  try {
    return await run(command, env, io, tty);
  } catch (error) {
    const message =
      error instanceof ApiError
        ? error.message
        : (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? `no such file: ${(error as NodeJS.ErrnoException).path ?? ''}`
          : error instanceof TypeError && /fetch failed/.test(error.message)
            ? `cannot reach the server at ${env.url} (SIGHTLINE_URL)`
            : (error as Error).message;
    io.err.write(`sightline video: ${message}\n`);
    return 1;
  }
}
