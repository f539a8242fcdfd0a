import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SightlineServer } from '../../server/app.js';
import { startTestServer, waitFor } from '../helpers/server.js';

interface Reply {
  kind: string;
  id?: number | null;
  ok?: boolean;
  data?: Record<string, unknown>;
  error?: { code: string; message: string; retryable: boolean };
  event?: string;
}

/** A raw protocol client that records everything the server sends. */
class RawClient {
  readonly messages: Reply[] = [];
  #nextId = 100_000;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.messages.push(JSON.parse(String(d)) as Reply));
  }
  static async open(url: string): Promise<RawClient> {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/ws`);
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    return new RawClient(ws);
  }
  async sendRaw(raw: string | Buffer, binary = false): Promise<Reply> {
    const n = this.messages.filter((m) => m.kind === 'response').length;
    this.ws.send(raw, { binary });
    return waitFor(() => this.messages.filter((m) => m.kind === 'response')[n], 5000, 'a reply');
  }
  async request(method: string, data: unknown = {}): Promise<Reply> {
    const id = this.#nextId++;
    this.ws.send(JSON.stringify({ v: 1, kind: 'request', id, method, data }));
    return waitFor(
      () => this.messages.find((m) => m.kind === 'response' && m.id === id),
      5000,
      `reply to ${method}`,
    );
  }
  close(): void {
    this.ws.close();
  }
}

async function token(server: SightlineServer): Promise<string> {
  const res = await fetch(`${server.url}/api/token`, { method: 'POST' });
  return ((await res.json()) as { token: string }).token;
}

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

describe('signaling', () => {
  let server: SightlineServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('answers every malformed message with a typed error and keeps the connection usable', async () => {
    const c = await RawClient.open(server.url);
    const cases: [string | Buffer, string, boolean?][] = [
      ['{nope', 'ERR_BAD_JSON'],
      [JSON.stringify({ v: 9, kind: 'request', id: 1, method: 'ping', data: {} }), 'ERR_UNSUPPORTED_VERSION'],
      [JSON.stringify({ v: 1, kind: 'request', id: 2, method: 'teleport', data: {} }), 'ERR_UNKNOWN_TYPE'],
      [
        JSON.stringify({ v: 1, kind: 'request', id: 3, method: 'join', data: { token: 5 } }),
        'ERR_INVALID_MESSAGE',
      ],
      [
        JSON.stringify({ v: 1, kind: 'request', id: 4, method: 'ping', data: { x: 'y'.repeat(70_000) } }),
        'ERR_MESSAGE_TOO_LARGE',
      ],
      [Buffer.from([1, 2, 3]), 'ERR_INVALID_MESSAGE', true],
      [
        JSON.stringify({
          v: 1,
          kind: 'request',
          id: 5,
          method: 'createTransport',
          data: { direction: 'send' },
        }),
        'ERR_NOT_JOINED',
      ],
      [
        JSON.stringify({ v: 1, kind: 'request', id: 6, method: 'join', data: { token: 'forged.token' } }),
        'ERR_UNAUTHORIZED',
      ],
    ];
    for (const [raw, code, binary] of cases) {
      const reply = await c.sendRaw(raw, binary);
      expect(reply.ok).toBe(false);
      expect(reply.error?.code).toBe(code);
      expect(reply.error?.message.length).toBeGreaterThan(5);
    }
    expect((await c.request('ping')).ok).toBe(true);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    c.close();
  });

  it('joins, creates transports and rejects bad media parameters with typed errors', async () => {
    const c = await RawClient.open(server.url);
    const joined = await c.request('join', { token: await token(server) });
    expect(joined.ok).toBe(true);
    expect(joined.data?.routerRtpCapabilities).toBeTruthy();
    expect((await c.request('join', { token: await token(server) })).error?.code).toBe('ERR_ALREADY_JOINED');
    const t = await c.request('createTransport', { direction: 'send' });
    expect(t.data).toMatchObject({ id: expect.any(String), iceCandidates: expect.any(Array) });
    const tid = t.data?.id as string;
    const badDtls = await c.request('connectTransport', {
      transportId: tid,
      dtlsParameters: { role: 'lol' },
    });
    expect(badDtls.error?.code).toBe('ERR_INVALID_MESSAGE');
    const badProduce = await c.request('produce', {
      transportId: tid,
      kind: 'audio',
      source: 'mic',
      rtpParameters: { codecs: 'x' },
    });
    expect(badProduce.error?.code).toBe('ERR_INVALID_MESSAGE');
    const mismatched = await c.request('produce', {
      transportId: tid,
      kind: 'video',
      source: 'mic',
      rtpParameters: {},
    });
    expect(mismatched.error?.code).toBe('ERR_INVALID_MESSAGE');
    expect((await c.request('resumeConsumer', { consumerId: 'nope' })).error?.code).toBe('ERR_NOT_FOUND');
    expect(
      (await c.request('connectTransport', { transportId: 'nope', dtlsParameters: {} })).error?.code,
    ).toBe('ERR_NOT_FOUND');
    expect(c.messages.some((m) => m.kind === 'event' && m.event === 'state')).toBe(true);
    expect(server.calls.size).toBe(1);
    c.close();
    await waitFor(() => server.calls.size === 0, 3000, 'the call to close with its socket');
  });

  it('rate-limits a flood without dropping the connection', async () => {
    const c = await RawClient.open(server.url);
    for (let i = 0; i < 300; i++)
      c.ws.send(JSON.stringify({ v: 1, kind: 'request', id: 1000 + i, method: 'ping', data: {} }));
    await waitFor(
      () => c.messages.some((m) => m.error?.code === 'ERR_RATE_LIMITED'),
      3000,
      'a rate-limit reply',
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect((await c.request('ping')).ok).toBe(true);
    c.close();
  });

  it('leave ends the call but keeps the socket', async () => {
    const c = await RawClient.open(server.url);
    await c.request('join', { token: await token(server) });
    expect(server.calls.size).toBe(1);
    expect((await c.request('leave')).ok).toBe(true);
    expect(server.calls.size).toBe(0);
    expect((await c.request('ping')).ok).toBe(true);
    c.close();
  });
});
