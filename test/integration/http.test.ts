import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SightlineServer } from '../../server/app.js';
import { startTestServer } from '../helpers/server.js';

describe('HTTP endpoints', () => {
  let server: SightlineServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('answers health, readiness and Prometheus metrics', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
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

  it('serves the page and the SDK bundle', async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('Start call');
  });

  it('gives a typed error for unknown paths and wrong methods', async () => {
    const nf = await fetch(`${server.url}/nope`);
    expect(nf.status).toBe(404);
    expect(await nf.json()).toMatchObject({ error: { code: 'ERR_NOT_FOUND' } });
    expect((await fetch(`${server.url}/api/token`)).status).toBe(405);
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
