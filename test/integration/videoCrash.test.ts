import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { AskResponse, VideoInfo } from '../../protocol/video.js';
import { type Spawned, spawnTs } from '../helpers/processes.js';
import { freePort } from '../helpers/redis.js';
import { NO_MODELS_DIR, waitFor } from '../helpers/server.js';
import { tinyModelSetDir } from '../helpers/tinyModels.js';
import { stationVideo } from '../helpers/videos.js';

const dataDir = mkdtempSync(join(tmpdir(), 'sightline-crash-'));
let server: Spawned | null = null;
let url = '';

async function start(modelsDir: string): Promise<void> {
  const port = await freePort();
  server = spawnTs('server/main.ts', {
    PORT: String(port),
    HOST: '127.0.0.1',
    MEDIASOUP_WORKERS: '1',
    SIGHTLINE_DATA_DIR: dataDir,
    SIGHTLINE_MODELS_DIR: modelsDir,
    // A fixed secret, as a deployment has: tokens stay valid across the restarts.
    TOKEN_SECRET: 'crash-test-secret-0123456789abcdef0123',
    LOG_LEVEL: 'info',
  });
  await server.waitFor('Sightline is running', 120_000);
  url = `http://127.0.0.1:${port}`;
}

async function tokenFor(user: string): Promise<string> {
  const res = await fetch(`${url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  return ((await res.json()) as { token: string }).token;
}

async function upload(token: string, bytes: Buffer): Promise<string> {
  const tus = { authorization: `Bearer ${token}`, 'tus-resumable': '1.0.0' };
  const created = await fetch(`${url}/api/videos`, {
    method: 'POST',
    headers: {
      ...tus,
      'upload-length': String(bytes.length),
      'upload-metadata': `filename ${Buffer.from('station.mp4').toString('base64')}`,
    },
  });
  expect(created.status).toBe(201);
  const location = created.headers.get('location') as string;
  const patched = await fetch(`${url}${location}`, {
    method: 'PATCH',
    headers: { ...tus, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
    body: new Uint8Array(bytes),
  });
  expect(patched.status).toBe(204);
  return location.slice(location.lastIndexOf('/') + 1);
}

async function info(token: string, id: string): Promise<VideoInfo> {
  const res = await fetch(`${url}/api/videos/${id}`, { headers: { authorization: `Bearer ${token}` } });
  return (await res.json()) as VideoInfo;
}

async function ask(token: string, id: string): Promise<Response> {
  return fetch(`${url}/api/videos/${id}/ask`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ question: 'what happened at 30 seconds?' }),
  });
}

function stageRows(id: string): { stage: string; finished_at_ms: number }[] {
  const db = new Database(join(dataDir, 'sightline.db'), { readonly: true });
  try {
    return db
      .prepare('SELECT stage, finished_at_ms FROM video_stages WHERE video_id = ? ORDER BY finished_at_ms')
      .all(id) as {
      stage: string;
      finished_at_ms: number;
    }[];
  } finally {
    db.close();
  }
}

/** waitFor with the check first and the description second, as these tests read. */
const until = <T>(check: Parameters<typeof waitFor<T>>[0], what: string, timeoutMs: number) =>
  waitFor(check, timeoutMs, what);

afterAll(async () => {
  await server?.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('crash safety of the in-process ingest (a real server process, SIGKILLed)', () => {
  it('killed mid-ingest: not answerable, resumed from the last committed stage on restart, same evidence after another restart', async () => {
    await start(tinyModelSetDir());
    const token = await tokenFor('crash-test');
    const id = await upload(token, readFileSync(stationVideo()));
    const late = ['features', 'ocr', 'index'];
    await until(
      async () => {
        const v = await info(token, id);
        if (v.status === 'ready')
          throw new Error('the ingest finished before the kill: the test cannot catch it mid-way');
        return v.stage !== null && late.includes(v.stage);
      },
      'the features stage',
      240_000,
    );
    await server?.kill('SIGKILL');
    const committed = stageRows(id);
    expect(committed.map((s) => s.stage)).not.toContain('index');

    // Restarted without models: the video waits queued, and asking about it is refused, never half-answered.
    await start(NO_MODELS_DIR);
    expect((await info(token, id)).status).not.toBe('ready');
    const refused = await ask(token, id);
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: 'ERR_VIDEO_NOT_READY' } });
    await server?.kill('SIGTERM');

    // Restarted with the models: the ingest resumes after the committed stages and completes.
    await start(tinyModelSetDir());
    await until(async () => (await info(token, id)).status === 'ready', 'ready after restart', 240_000);
    const after = stageRows(id);
    for (const s of committed) expect(after).toContainEqual(s);
    const first = await ask(token, id);
    expect(first.status).toBe(200);
    const answer = (await first.json()) as AskResponse;
    expect(answer.evidence.frames.some((f) => f.tMs >= 25_000 && f.tMs <= 35_000)).toBe(true);
    await server?.kill('SIGTERM');

    await start(tinyModelSetDir());
    const again = (await (await ask(token, id)).json()) as AskResponse;
    expect(again.evidence).toEqual(answer.evidence);
  }, 900_000);
});
