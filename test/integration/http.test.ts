import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SightlineServer } from '../../server/app.js';
import { issueToken, RawClient } from '../helpers/rawClient.js';
import { captureLog, NO_MODELS_DIR, startTestServer } from '../helpers/server.js';
import { tinyModelSetDir } from '../helpers/tinyModels.js';

describe('HTTP endpoints', () => {
  let server: SightlineServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('answers health, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503); // no models in this server's models dir
    expect(await ready.json()).toMatchObject({ workersAlive: 1 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    for (const name of [
      'sightline_calls_active',
      'sightline_media_workers_alive 1',
      'sightline_media_taps_active',
      'sightline_errors_total',
    ]) {
      expect(metrics).toContain(name);
    }
  });

  it('serves the page with its icon', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('Start call');
    const icon = /<link rel="icon" href="([^"]+)"/.exec(html)?.[1];
    expect(icon).toBe('/favicon.svg');
    const svg = await fetch(`${server.url}${icon}`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toMatch(/^<svg /);
    // Browsers that ignore the link still ask for /favicon.ico: an empty answer, not a 404.
    const ico = await fetch(`${server.url}/favicon.ico`);
    expect(ico.status).toBe(204);
  });

  it('serves the SDK bundle: an ES module exporting SightlineClient, the video calls and the catalogue errors', async () => {
    const res = await fetch(`${server.url}/sdk.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/javascript');
    const dir = mkdtempSync(join(tmpdir(), 'sightline-sdk-'));
    try {
      const file = join(dir, 'sdk.mjs');
      // Without its source map (not copied here) so the test runner does not go looking for it.
      writeFileSync(file, (await res.text()).replace(/^\/\/# sourceMappingURL=.*$/m, ''));
      const sdk = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      expect(Object.keys(sdk).sort()).toEqual(
        [
          'SightlineClient',
          'SightlineError',
          'SightlineSession',
          // Uploaded-video Q&A (client/sdk/video.ts), then the session API's entry point.
          'askVideo',
          'cancelVideo',
          'deleteVideo',
          'getTimeline',
          'getVideo',
          'listVideos',
          'mediaUrl',
          'requestToken',
          'uploadVideo',
          'watchVideo',
          'connect',
        ].sort(),
      );
      expect(typeof sdk.SightlineClient).toBe('function');
      const ErrorClass = sdk.SightlineError as new (code: string) => { code: string; retryable: boolean };
      expect(new ErrorClass('ERR_TIMEOUT')).toMatchObject({ code: 'ERR_TIMEOUT', retryable: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const app = await fetch(`${server.url}/app.js`);
    expect(app.status).toBe(200);
    expect(app.headers.get('content-type')).toContain('text/javascript');
  });

  it('gives a typed 404 for unknown paths', async () => {
    const nf = await fetch(`${server.url}/nope`);
    expect(nf.status).toBe(404);
    expect(await nf.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
  });

  it('answers a wrong method with 405, ERR_METHOD_NOT_ALLOWED and an Allow header', async () => {
    const get = await fetch(`${server.url}/api/token`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect(await get.json()).toMatchObject({
      error: { code: 'ERR_METHOD_NOT_ALLOWED', message: expect.stringContaining('POST') },
    });
    const post = await fetch(`${server.url}/healthz`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(await post.json()).toMatchObject({ error: { code: 'ERR_METHOD_NOT_ALLOWED' } });
  });

  it('answers HEAD wherever it answers GET, without a body', async () => {
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toContain('application/json');
    expect(await head.text()).toBe('');
  });
});

describe('tokens in hmac mode', () => {
  it('issues tokens only with the API key', async () => {
    const server = await startTestServer({
      AUTH_MODE: 'hmac',
      TOKEN_SECRET: 's'.repeat(40),
      API_KEY: 'k'.repeat(20),
    });
    try {
      const denied = await fetch(`${server.url}/api/token`, { method: 'POST' });
      expect(denied.status).toBe(401);
      expect(await denied.json()).toMatchObject({ error: { code: 'ERR_UNAUTHORIZED' } });
      const ok = await fetch(`${server.url}/api/token`, {
        method: 'POST',
        headers: { authorization: `Bearer ${'k'.repeat(20)}` },
      });
      expect(ok.status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('readiness and the model set', () => {
  it('missing models: the server starts, calls join, /readyz is 503 naming the files and the fetch command', async () => {
    const captured = captureLog('info');
    const server = await startTestServer({}, { log: captured.log });
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { models: Record<string, unknown>; message: string; status: string };
      expect(body.status).toBe('not ready');
      expect(body.models).toMatchObject({
        ready: false,
        tinyTestModels: false,
        fetchCommand: 'npx sightline models pull --set default',
      });
      expect(body.models.missing).toEqual(
        expect.arrayContaining([
          'whisper-base/onnx/encoder_model.onnx',
          'smolvlm2-256m-video/onnx/decoder_model_merged.onnx',
        ]),
      );
      expect(body.message).toContain(NO_MODELS_DIR);
      expect(body.message).toContain('run: npx sightline models pull --set default');
      expect(server.app.models.models).toBeNull();
      expect(captured.at('warn', 'models are missing')).toHaveLength(1);
      // The call plane works without the assistant.
      const c = await RawClient.open(server.url);
      expect((await c.request('join', { token: await issueToken(server) })).ok).toBe(true);
      c.ws.close();
    } finally {
      await server.close();
    }
  });

  it('the tiny set: /readyz is 200 with the random-models notice; close() unloads what create() loaded', async () => {
    const captured = captureLog('info');
    const server = await startTestServer({ SIGHTLINE_MODELS_DIR: tinyModelSetDir() }, { log: captured.log });
    let disposed = false;
    const dispose = server.app.models.dispose;
    server.app.models.dispose = () => {
      disposed = true;
      return dispose();
    };
    try {
      const res = await fetch(`${server.url}/readyz`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({
        status: 'ready',
        models: { ready: true, tinyTestModels: true, missing: [], loaded: { llm: 'smolvlm2-256m-video' } },
        notice: expect.stringContaining('Random test models'),
      });
      expect(captured.at('warn', 'TINY RANDOM TEST MODELS')).toHaveLength(1);
      expect(captured.at('info', 'model loaded')).toHaveLength(6);
    } finally {
      await server.close();
    }
    expect(disposed).toBe(true);
  });
});
