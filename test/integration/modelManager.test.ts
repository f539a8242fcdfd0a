import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ModelManager } from '../../models/manager/manager.js';
import type { ModelEntry } from '../../models/manager/manifest.js';
import type { TransferProgress } from '../../models/manager/progress.js';
import { sha256Hex } from '../helpers/sha256.js';

const FILES: Record<string, Buffer> = {
  'onnx/model.onnx': randomBytes(300_000),
  'config.json': Buffer.from('{"model_type":"tiny"}'),
};
const MODEL: ModelEntry = {
  id: 'tiny',
  role: 'stt',
  repo: 'acme/tiny-model',
  revision: 'main',
  files: [{ path: 'onnx/model.onnx' }, { path: 'config.json' }],
};

/** A Hugging Face-like file server: LFS files redirect to a CDN path with X-Linked-Etag; Range supported; faults on demand. */
class FakeHub {
  server!: Server;
  requests: string[] = [];
  cutNextGetAfterBytes: number | null = null;
  corrupt = false;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      const url = new URL(req.url ?? '/', 'http://x');
      const m = /^\/acme\/tiny-model\/resolve\/main\/(.+)$/.exec(url.pathname);
      const cdn = /^\/cdn\/(.+)$/.exec(url.pathname);
      const path = decodeURIComponent((m ?? cdn)?.[1] ?? '');
      const body = FILES[path];
      if (!body) {
        res.writeHead(404).end();
        return;
      }
      const lfs = path.endsWith('.onnx');
      if (m && lfs) {
        res.writeHead(302, {
          location: `/cdn/${path}`,
          'x-linked-etag': `"${sha256Hex(body)}"`,
          'x-linked-size': String(body.length),
        });
        res.end();
        return;
      }
      if (req.method === 'HEAD') {
        res.writeHead(200, { 'content-length': body.length, etag: '"abc123"' }).end();
        return;
      }
      const served = this.corrupt ? Buffer.from(body).fill(7, 0, 10) : body;
      const range = /bytes=(\d+)-/.exec(req.headers.range ?? '');
      const start = range ? Number(range[1]) : 0;
      const chunk = served.subarray(start);
      res.writeHead(range ? 206 : 200, {
        'content-length': chunk.length,
        ...(range ? { 'content-range': `bytes ${start}-${served.length - 1}/${served.length}` } : {}),
      });
      if (this.cutNextGetAfterBytes !== null && lfs) {
        const n = this.cutNextGetAfterBytes;
        this.cutNextGetAfterBytes = null;
        res.write(chunk.subarray(0, n), () => res.destroy());
        return;
      }
      res.end(chunk);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

const hub = new FakeHub();
const mirror = new FakeHub();
let dir: string;
beforeAll(async () => {
  await hub.start();
  await mirror.start();
});
afterAll(async () => {
  await hub.stop();
  await mirror.stop();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sightline-models-'));
  hub.requests = [];
  mirror.requests = [];
  hub.corrupt = false;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const manager = (baseUrl = hub.url) =>
  new ModelManager({ dir, baseUrl, models: [MODEL], sets: { default: ['tiny'] } });

describe('model manager against a local hub', () => {
  it('downloads every file, verifies LFS files against the hub sha256, pins it, and reports progress', async () => {
    const progress: TransferProgress[] = [];
    await manager().pull(['default'], { onProgress: (p) => progress.push(p) });
    const path = manager().pathOf(MODEL);
    expect(await readFile(join(path, 'onnx/model.onnx'))).toEqual(FILES['onnx/model.onnx']);
    expect(await readFile(join(path, 'config.json'))).toEqual(FILES['config.json']);
    const lock = JSON.parse(await readFile(join(dir, 'models.lock.json'), 'utf8'));
    expect(lock['acme/tiny-model@main/onnx/model.onnx']).toEqual({
      sha256: sha256Hex(FILES['onnx/model.onnx'] as Buffer),
      sizeBytes: 300_000,
    });
    const onnx = progress.filter((p) => p.label === 'tiny/onnx/model.onnx');
    expect(onnx.at(-1)?.doneBytes).toBe(300_000);
    expect(onnx.every((p) => p.totalBytes === 300_000)).toBe(true);
    expect(manager().require(['default']).get('tiny')).toBe(path);
    expect((await manager().verify(['default'])).every((r) => r.ok)).toBe(true);
  });

  it('resumes after a cut connection with a Range request', async () => {
    hub.cutNextGetAfterBytes = 100_000;
    await manager().pull(['tiny']);
    expect(await readFile(join(manager().pathOf(MODEL), 'onnx/model.onnx'))).toEqual(
      FILES['onnx/model.onnx'],
    );
    expect(hub.requests.filter((r) => r.startsWith('GET /cdn/onnx/model.onnx')).length).toBe(2);
  });

  it('rejects a checksum mismatch and leaves no bad file in place', async () => {
    hub.corrupt = true;
    await expect(manager().pull(['tiny'])).rejects.toMatchObject({ code: 'ERR_DOWNLOAD_CHECKSUM' });
    const files = await readdir(join(manager().pathOf(MODEL), 'onnx')).catch(() => []);
    expect(files).toEqual([]);
    expect(() => manager().require(['default'])).toThrow(
      expect.objectContaining({
        code: 'ERR_MODEL_MISSING',
        message: expect.stringMatching(/Run: npx sightline models pull --set default/),
      }),
    );
  });

  it('honours a mirror base URL', async () => {
    await manager(mirror.url).pull(['tiny']);
    expect(mirror.requests.length).toBeGreaterThan(0);
    expect(hub.requests).toEqual([]);
  });

  it('says clearly when the hub cannot be reached, and which command fetches missing models', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await expect(manager(`http://127.0.0.1:${port}`).pull(['tiny'])).rejects.toMatchObject({
      code: 'ERR_DOWNLOAD_OFFLINE',
      message: expect.stringMatching(
        new RegExp(`cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\).*HF_ENDPOINT`),
      ),
    });
    expect(() => manager().require(['tiny'])).toThrow(
      expect.objectContaining({
        code: 'ERR_MODEL_MISSING',
        message: expect.stringMatching(
          /models are missing in .*tiny\/onnx\/model\.onnx.*Run: npx sightline models pull tiny/,
        ),
      }),
    );
  });

  it('verify catches a file changed after download', async () => {
    await manager().pull(['tiny']);
    await writeFile(join(manager().pathOf(MODEL), 'onnx/model.onnx'), Buffer.alloc(10));
    const results = await manager().verify(['tiny']);
    expect(results.find((r) => r.label === 'tiny/onnx/model.onnx')?.ok).toBe(false);
    expect(existsSync(join(manager().pathOf(MODEL), 'config.json'))).toBe(true);
  });
});

describe('the sightline models CLI', () => {
  const run = async (args: string[], env: Record<string, string>) => {
    const { spawnSync } = await import('node:child_process');
    return spawnSync(process.execPath, ['bin/sightline.mjs', 'models', ...args], {
      encoding: 'utf8',
      env: { ...process.env, SIGHTLINE_MODELS_DIR: dir, ...env },
      timeout: 60_000,
    });
  };

  it('lists the default set with each file missing, and tells how to fetch them without a stack trace', async () => {
    const list = await run(['list'], {});
    expect(list.status).toBe(0);
    expect(list.stdout).toContain('whisper-base  (stt, onnx-community/whisper-base@main)  0/7 files');
    expect(list.stdout).toContain('missing  onnx/decoder_model_merged.onnx');
    const pull = await run(['pull', '--set', 'small'], { HF_ENDPOINT: 'http://127.0.0.1:1' });
    expect(pull.status).toBe(1);
    expect(pull.stderr).toMatch(/sightline: /);
    expect(pull.stderr).not.toMatch(/\n\s+at /);
  });
});
