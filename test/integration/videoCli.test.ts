import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tus from 'tus-js-client';
import { Upload, type UrlStorage } from 'tus-js-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SightlineServer } from '../../server/app.js';
import { type VideoCliEnv, videoCommand } from '../../server/cli/video.js';
import { captureIo } from '../helpers/cliIo.js';
import { startTestServer } from '../helpers/server.js';
import { sha256Hex } from '../helpers/sha256.js';
import { tinyModelSetDir } from '../helpers/tinyModels.js';
import { shortVideo } from '../helpers/videos.js';

/** `sightline video …` against a real server with the tiny models: add (resuming a cut upload), ask, list, rm. */

const FileUrlStorage = (tus as unknown as { FileUrlStorage: new (path: string) => UrlStorage })
  .FileUrlStorage;

let server: SightlineServer;
let serverDir: string;
let cliDir: string;

const env = (user = 'cli-tester'): VideoCliEnv => ({
  url: server.url,
  token: null,
  user,
  apiKey: null,
  dataDir: cliDir,
});

async function cli(args: string[], user?: string) {
  const io = captureIo();
  const code = await videoCommand(args, io, env(user), false);
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}

beforeAll(async () => {
  serverDir = mkdtempSync(join(tmpdir(), 'sightline-cli-server-'));
  cliDir = mkdtempSync(join(tmpdir(), 'sightline-cli-'));
  server = await startTestServer({ SIGHTLINE_DATA_DIR: serverDir, SIGHTLINE_MODELS_DIR: tinyModelSetDir() });
}, 120_000);

afterAll(async () => {
  await server?.close();
  rmSync(serverDir, { recursive: true, force: true });
  rmSync(cliDir, { recursive: true, force: true });
});

describe('sightline video', () => {
  it('add resumes an upload cut after its first chunk, waits for ingest and prints the id; ask, list and rm work on it', async () => {
    const file = shortVideo();
    const bytes = readFileSync(file);
    const { token } = (await (
      await fetch(`${server.url}/api/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'cli-tester' }),
      })
    ).json()) as { token: string };
    // A first `add` that dies after 16 KiB: same fingerprint store, same endpoint.
    const cutUrl = await new Promise<string>((resolve, reject) => {
      const upload: Upload = new Upload(createReadStream(file) as never, {
        endpoint: `${server.url}/api/videos`,
        headers: { authorization: `Bearer ${token}` },
        metadata: { filename: 'short.mp4' },
        chunkSize: 16 * 1024,
        retryDelays: null,
        urlStorage: new FileUrlStorage(join(cliDir, 'cli-uploads.json')),
        storeFingerprintForResuming: true,
        onError: reject,
        onChunkComplete: () => {
          void upload.abort().then(() => resolve(upload.url as string));
        },
      });
      upload.start();
    });
    const cutId = cutUrl.split('/').pop() as string;
    expect(server.app.videos.catalog.status(cutId)).toBe('uploading');

    const add = await cli(['add', file]);
    expect(add.stderr).toContain('resuming the upload');
    expect(add.code).toBe(0);
    expect(add.stdout.trim()).toBe(cutId);
    expect(add.stderr).toMatch(/ingest .* ready/);
    expect(sha256Hex(readFileSync(server.app.videos.files.source(cutId)))).toBe(sha256Hex(bytes));
    expect(server.app.videos.catalog.status(cutId)).toBe('ready');

    const ask = await cli(['ask', cutId, 'what happened at 3 seconds?', '--t', '3']);
    expect(ask.code).toBe(0);
    expect(ask.stdout).toContain('evidence:');
    expect(ask.stdout).toMatch(/frames: 00:0\d/);

    const list = await cli(['list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${cutId}\\s+ready\\s+00:0[56]`));

    // Another user cannot ask about it: the server's code, exit 1.
    const foreign = await cli(['ask', cutId, 'what is it?'], 'someone-else');
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain('ERR_VIDEO_NOT_FOUND');

    const rm = await cli(['rm', cutId]);
    expect(rm.code).toBe(0);
    expect((await cli(['list'])).stdout).toBe('no videos\n');
  }, 180_000);

  it('a file that does not exist, and a server that is not there, are one line each and exit 1', async () => {
    const missing = await cli(['add', join(cliDir, 'nope.mp4')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such file');
    const io = captureIo();
    const down = await videoCommand(['list'], io, { ...env(), url: 'http://127.0.0.1:1' }, false);
    expect(down).toBe(1);
    expect(io.stderr()).toContain('cannot reach the server at http://127.0.0.1:1');
  });
});
