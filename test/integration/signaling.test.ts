import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import type { SightlineServer } from '../../server/app.js';
import { RawClient, issueToken as token } from '../helpers/rawClient.js';
import { captureLog, metricValue, startTestServer, waitFor } from '../helpers/server.js';

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
      // Under the limit in characters, over it in UTF-8 bytes ('é' is two bytes).
      [
        JSON.stringify({ v: 1, kind: 'request', id: 7, method: 'join', data: { token: 'é'.repeat(33_000) } }),
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

  it('leave ends the call but keeps the socket', async () => {
    const c = await RawClient.open(server.url);
    await c.request('join', { token: await token(server) });
    expect(server.calls.size).toBe(1);
    const [call] = server.calls.all();
    const turn = call!.scope.startTurn();
    expect((await c.request('leave')).ok).toBe(true);
    expect(server.calls.size).toBe(0);
    // The call's scope ends with it, and so does any turn derived from it.
    expect([call!.scope.signal.aborted, turn.signal.aborted]).toEqual([true, true]);
    expect(turn.signal.reason).toMatchObject({ code: 'ERR_ABORTED' });
    expect((await c.request('ping')).ok).toBe(true);
    c.close();
  });
});

/** Processes named `name` whose parent is this process (the server runs in the test's process). */
function childProcesses(name: string): number[] {
  const out: number[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited while listing
    }
    // pid (comm) state ppid …; comm may hold spaces, so split after the last ')'.
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (comm === name && ppid === process.pid) out.push(Number(pid));
  }
  return out;
}

/** Every resource a call holds, as the server, the mediasoup worker, the metrics and the OS report it. */
async function leftovers(server: SightlineServer) {
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  return {
    calls: server.calls.size,
    routers: await server.pool.routerCount(),
    callsActive: metricValue(metrics, 'sightline_calls_active'),
    transportsActive: metricValue(metrics, 'sightline_media_transports_active'),
    audioTaps: metricValue(metrics, 'sightline_media_taps_active{kind="audio"}', 0),
    videoTaps: metricValue(metrics, 'sightline_media_taps_active{kind="video"}', 0),
    ffmpegs: childProcesses('ffmpeg').length,
  };
}
const NOTHING_LEFT = {
  calls: 0,
  routers: 0,
  callsActive: 0,
  transportsActive: 0,
  audioTaps: 0,
  videoTaps: 0,
  ffmpegs: 0,
};

/** Polls until nothing is left or `timeoutMs` passes; returns what is left. */
async function settledLeftovers(server: SightlineServer, timeoutMs = 5000) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const left = await leftovers(server);
    if (JSON.stringify(left) === JSON.stringify(NOTHING_LEFT) || performance.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const OPUS_SEND = {
  mid: '0',
  codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: {} }],
  headerExtensions: [],
  encodings: [{ ssrc: 1111 }],
  rtcp: { cname: 'race', reducedSize: true },
};
const VP8_SEND = {
  mid: '1',
  codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {} }],
  headerExtensions: [],
  encodings: [{ ssrc: 2222 }],
  rtcp: { cname: 'race', reducedSize: true },
};

describe('rate limit on the server clock', () => {
  /** Sends `n` pings at once; returns the reply codes ('ok' or the error code) once all have come. */
  async function flood(c: RawClient, n: number): Promise<Map<string, number>> {
    const start = c.messages.length;
    for (let i = 0; i < n; i++) c.send('ping');
    // A limited message gets no id back (it is refused before parsing): count replies, not ids.
    const replies = await waitFor(
      () => (c.messages.length >= start + n ? c.messages.slice(start) : undefined),
      5000,
      `${n} replies`,
    );
    expect(replies.length).toBe(n);
    const counts = new Map<string, number>();
    for (const r of replies) {
      const key = r.ok ? 'ok' : (r.error?.code ?? '?');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  }

  it('limits a flood, refills at 50/s, and still limits a flood 10 s later (saved tokens stop at 100)', async () => {
    const clock = new ManualClock(1_000);
    const server = await startTestServer({}, { clock });
    try {
      const c = await RawClient.open(server.url);
      expect(await flood(c, 300)).toEqual(
        new Map([
          ['ok', 100],
          ['ERR_RATE_LIMITED', 200],
        ]),
      );
      clock.advance(1_000);
      expect(await flood(c, 60)).toEqual(
        new Map([
          ['ok', 50],
          ['ERR_RATE_LIMITED', 10],
        ]),
      );
      clock.advance(10_000);
      expect(await flood(c, 300)).toEqual(
        new Map([
          ['ok', 100],
          ['ERR_RATE_LIMITED', 200],
        ]),
      );
      // The connection survived every flood.
      clock.advance(100);
      expect((await c.request('ping')).ok).toBe(true);
      c.close();
    } finally {
      await server.close();
    }
  });
});

describe('races between a request in flight and its socket closing', () => {
  it('a dropped socket whose call is never resumed frees everything when the window ends', async () => {
    const captured = captureLog('info');
    const server = await startTestServer({ CALL_RESUME_WINDOW_MS: '300' }, { log: captured.log });
    try {
      const c = await RawClient.open(server.url);
      const joined = await c.request('join', { token: await token(server) });
      const transportId = (await c.request('createTransport', { direction: 'send' })).data?.id as string;
      expect(
        (await c.request('produce', { transportId, kind: 'audio', source: 'mic', rtpParameters: OPUS_SEND }))
          .ok,
      ).toBe(true);
      expect(
        (
          await c.request('produce', {
            transportId,
            kind: 'video',
            source: 'camera',
            rtpParameters: VP8_SEND,
          })
        ).ok,
      ).toBe(true);
      const recv = (await c.request('createTransport', { direction: 'recv' })).data?.id as string;
      const rtpCapabilities = joined.data?.routerRtpCapabilities;
      expect((await c.request('consumeAssistant', { transportId: recv, rtpCapabilities })).ok).toBe(true);
      c.ws.terminate();
      await c.closed;
      // Kept for a resume first: everything is still there.
      const [call] = server.calls.all();
      expect(call?.resources).toMatchObject({
        transports: 2,
        producers: 2,
        consumers: 1,
        audioTaps: 1,
        videoTaps: 1,
      });
      expect(await settledLeftovers(server)).toEqual(NOTHING_LEFT);
      expect(captured.at('info', 'call closed').map((r) => r.reason)).toEqual(['not resumed within 300 ms']);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metricValue(metrics, 'sightline_call_resumes_total{outcome="expired"}')).toBe(1);
      expect(captured.at('error')).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('a socket closed while join is still creating the call leaves no call, router or metric (200 times)', async () => {
    const captured = captureLog('info');
    const server = await startTestServer({}, { log: captured.log });
    try {
      const tok = await token(server);
      let repliedBeforeClose = 0;
      for (let i = 0; i < 200; i++) {
        const c = await RawClient.open(server.url);
        c.send('join', { token: tok });
        c.ws.terminate();
        await c.closed;
        if (c.messages.length > 0) repliedBeforeClose++;
      }
      expect(await settledLeftovers(server)).toEqual(NOTHING_LEFT);
      expect(repliedBeforeClose).toBe(0);
      // Every join got as far as creating its call: none was refused because leaked calls filled MAX_CALLS.
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      expect(metricValue(metrics, 'sightline_calls_total')).toBe(200);
      const closed = captured.at('info', 'call closed');
      expect(closed.length).toBe(200);
      // The race itself happened: calls finished creating after their connection had closed.
      expect(
        closed.filter((r) => String(r.reason).includes('before the call was ready')).length,
      ).toBeGreaterThan(0);
      expect(captured.at('error')).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('two joins in flight on one socket make one call, not a second one that nothing closes', async () => {
    const server = await startTestServer();
    try {
      const tok = await token(server);
      const c = await RawClient.open(server.url);
      const ids = [c.send('join', { token: tok }), c.send('join', { token: tok })];
      const replies = await waitFor(
        () => {
          const r = ids.map((id) => c.messages.find((m) => m.kind === 'response' && m.id === id));
          return r.every(Boolean) ? r : undefined;
        },
        5000,
        'both join replies',
      );
      expect(replies.map((r) => (r?.ok ? 'ok' : r?.error?.code)).sort()).toEqual([
        'ERR_ALREADY_JOINED',
        'ok',
      ]);
      expect(server.calls.size).toBe(1);
      c.close();
      expect(await settledLeftovers(server)).toEqual(NOTHING_LEFT);
    } finally {
      await server.close();
    }
  });

  it('a join that times out while the worker is slow closes its call when the call finally comes', async () => {
    const captured = captureLog('info');
    const server = await startTestServer({ REQUEST_TIMEOUT_MS: '200' }, { log: captured.log });
    const workerPid = server.pool.pids[0] as number;
    try {
      const tok = await token(server);
      const c = await RawClient.open(server.url);
      // A stopped worker cannot answer createRouter: the join outlives its deadline.
      process.kill(workerPid, 'SIGSTOP');
      let timedOut: Awaited<ReturnType<RawClient['request']>>;
      try {
        timedOut = await c.request('join', { token: tok });
      } finally {
        process.kill(workerPid, 'SIGCONT');
      }
      expect(timedOut.error?.code).toBe('ERR_TIMEOUT');
      await waitFor(
        () => captured.at('info', 'call closed').length === 1,
        5000,
        'the late call to be closed',
      );
      expect(captured.at('info', 'call closed')[0]?.reason).toBe(
        'abandoned before the call was ready (ERR_TIMEOUT)',
      );
      expect(await settledLeftovers(server)).toEqual(NOTHING_LEFT);
      // The late call was not attached: this connection may join again.
      expect((await c.request('join', { token: tok })).ok).toBe(true);
      c.close();
      expect(await settledLeftovers(server)).toEqual(NOTHING_LEFT);
    } finally {
      await server.close();
    }
  });

  it('a socket closed while produce, createTransport and consumeAssistant are in flight leaves no transport, tap or ffmpeg', async () => {
    const captured = captureLog('info');
    const server = await startTestServer({}, { log: captured.log });
    try {
      const tok = await token(server);
      for (let i = 0; i < 30; i++) {
        const c = await RawClient.open(server.url);
        const joined = await c.request('join', { token: tok });
        const send = await c.request('createTransport', { direction: 'send' });
        const transportId = send.data?.id as string;
        c.send('produce', { transportId, kind: 'audio', source: 'mic', rtpParameters: OPUS_SEND });
        c.send('produce', { transportId, kind: 'video', source: 'camera', rtpParameters: VP8_SEND });
        c.send('createTransport', { direction: 'recv' });
        c.send('consumeAssistant', { transportId, rtpCapabilities: joined.data?.routerRtpCapabilities });
        // Let the requests reach the worker, ffmpeg start, then vanish mid-way (i ms later each round).
        await new Promise((r) => setTimeout(r, i));
        c.ws.terminate();
        await c.closed;
      }
      expect(await settledLeftovers(server)).toEqual(NOTHING_LEFT);
      expect(captured.at('error')).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
