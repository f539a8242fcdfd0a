import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/clock.js';
import type { SightlineServer } from '../../server/app.js';
import type { Call } from '../../server/call/call.js';
import { MAX_BUFFERED_EVENTS } from '../../server/call/callLink.js';
import { RawClient, type Reply } from '../helpers/rawClient.js';
import { RecordingAssistant } from '../helpers/recordingAssistant.js';
import { captureLog, metricValue, startTestServer, waitFor } from '../helpers/server.js';

async function tokenFor(server: SightlineServer, user: string): Promise<string> {
  const res = await fetch(`${server.url}/api/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user }),
  });
  return ((await res.json()) as { token: string }).token;
}

function expectError(reply: Reply, code: string): void {
  expect(reply.ok, JSON.stringify(reply)).toBe(false);
  expect(reply.error?.code).toBe(code);
}

/** A client joined as `user`, its call and what join answered. */
async function joinAs(server: SightlineServer, user: string) {
  const c = await RawClient.open(server.url);
  const callPromise = new Promise<Call>((resolve) => server.calls.once('call', resolve));
  const joined = await c.request('join', { token: await tokenFor(server, user) });
  expect(joined.ok).toBe(true);
  const call = await callPromise;
  return {
    c,
    call,
    callId: joined.data?.callId as string,
    resumeToken: joined.data?.resumeToken as string,
    windowMs: joined.data?.resumeWindowMs as number,
  };
}

async function drop(c: RawClient): Promise<void> {
  c.ws.terminate();
  await c.closed;
}

const transcripts = (c: RawClient) =>
  c.messages.filter((m) => m.event === 'transcript').map((m) => m.data?.text as string);

const pushTranscript = (call: Call, text: string) =>
  call.emit('push', 'transcript', { utteranceId: 'u1', text, final: true, startMs: 0, endMs: 1 });

describe('resume after a dropped WebSocket', () => {
  let server: SightlineServer;
  const captured = captureLog('info');
  beforeAll(async () => {
    server = await startTestServer({ CALL_RESUME_WINDOW_MS: '60000' }, { log: captured.log });
  });
  afterAll(() => server.close());

  it('join hands out a 32-byte resume token and the window; the call outlives its socket and resumes whole', async () => {
    const { c, call, callId, resumeToken, windowMs } = await joinAs(server, 'alice');
    expect(resumeToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(resumeToken, 'base64url')).toHaveLength(32);
    expect(windowMs).toBe(60_000);
    expect((await c.request('createTransport', { direction: 'send' })).ok).toBe(true);
    await drop(c);
    // The call waits: its transport, its scope, its registry entry.
    expect(call.closed).toBe(false);
    expect(server.calls.get(callId)).toBe(call);
    expect(call.resources.transports).toBe(1);
    // What happens meanwhile is kept for the next connection.
    pushTranscript(call, 'said while away');
    expect(call.link?.buffered).toBe(1);

    const c2 = await RawClient.open(server.url);
    // A fresh token (the old may have expired) of the same owner.
    const resumed = await c2.request('resume', {
      token: await tokenFor(server, 'alice'),
      callId,
      resumeToken,
    });
    expect(resumed.ok, JSON.stringify(resumed)).toBe(true);
    expect(resumed.data).toEqual({ callId, resumeToken, resumeWindowMs: 60_000 });
    expect(transcripts(c2)).toEqual(['said while away']);
    expect(c2.messages.find((m) => m.event === 'state')?.data).toMatchObject({ callId, state: 'joined' });
    // The resumed connection drives the same call.
    pushTranscript(call, 'said after');
    await waitFor(() => transcripts(c2).length === 2, 2000, 'the live event');
    expect((await c2.request('createTransport', { direction: 'recv' })).ok).toBe(true);
    expect(call.resources.transports).toBe(2);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricValue(metrics, 'sightline_call_resumes_total{outcome="resumed"}')).toBe(1);
    // leave still closes at once.
    expect((await c2.request('leave')).ok).toBe(true);
    expect(call.closed).toBe(true);
    expect(server.calls.get(callId)).toBeUndefined();
    c2.close();
  });

  it('refuses a wrong resume token or owner (ERR_UNAUTHORIZED), an unknown or ended call (ERR_NOT_FOUND), and changes nothing', async () => {
    const { c, call, callId, resumeToken } = await joinAs(server, 'alice');
    await drop(c);
    const c2 = await RawClient.open(server.url);
    const alice = await tokenFor(server, 'alice');
    const wrong = `${resumeToken.slice(0, -1)}${resumeToken.endsWith('A') ? 'B' : 'A'}`;
    expectError(await c2.request('resume', { token: alice, callId, resumeToken: wrong }), 'ERR_UNAUTHORIZED');
    expectError(
      await c2.request('resume', { token: alice, callId, resumeToken: `${resumeToken}x` }),
      'ERR_UNAUTHORIZED',
    );
    expectError(
      await c2.request('resume', { token: await tokenFor(server, 'bob'), callId, resumeToken }),
      'ERR_UNAUTHORIZED',
    );
    expectError(
      await c2.request('resume', { token: 'forged.token', callId, resumeToken }),
      'ERR_UNAUTHORIZED',
    );
    expectError(
      await c2.request('resume', { token: alice, callId: 'no-such-call', resumeToken }),
      'ERR_NOT_FOUND',
    );
    expect(call.closed).toBe(false);
    expect(call.link?.holder).toBeNull();
    // Still resumable by its owner.
    expect((await c2.request('resume', { token: alice, callId, resumeToken })).ok).toBe(true);
    // A connection in a call cannot resume another.
    const other = await joinAs(server, 'alice');
    await drop(other.c);
    expectError(
      await c2.request('resume', { token: alice, callId: other.callId, resumeToken: other.resumeToken }),
      'ERR_ALREADY_JOINED',
    );
    expect((await c2.request('leave')).ok).toBe(true);
    expectError(await c2.request('resume', { token: alice, callId, resumeToken }), 'ERR_NOT_FOUND');
    other.call.close('test done');
    c2.close();
  });

  it('a resume while the old connection still holds the call takes it over and closes the old socket', async () => {
    const { c, call, callId, resumeToken } = await joinAs(server, 'alice');
    const closeCode = new Promise<number>((resolve) => c.ws.once('close', (n) => resolve(n)));
    const c2 = await RawClient.open(server.url);
    const resumed = await c2.request('resume', {
      token: await tokenFor(server, 'alice'),
      callId,
      resumeToken,
    });
    expect(resumed.ok).toBe(true);
    const code = await closeCode;
    expect(code).toBe(4001);
    // The old socket's close does not end the call or start its window.
    expect(call.closed).toBe(false);
    expect(call.link?.holder).not.toBeNull();
    pushTranscript(call, 'only to the new one');
    await waitFor(() => transcripts(c2).length === 1, 2000, 'the event on the new connection');
    expect(transcripts(c)).toEqual([]);
    c2.close();
    await waitFor(() => call.link?.holder === null, 2000, 'the new socket to let go');
    call.close('test done');
  });

  it(`keeps the last ${MAX_BUFFERED_EVENTS} events while nobody holds the call`, async () => {
    const { c, call, callId, resumeToken } = await joinAs(server, 'alice');
    await drop(c);
    for (let i = 0; i < MAX_BUFFERED_EVENTS + 50; i++) pushTranscript(call, `e${i}`);
    const c2 = await RawClient.open(server.url);
    expect(
      (await c2.request('resume', { token: await tokenFor(server, 'alice'), callId, resumeToken })).ok,
    ).toBe(true);
    const got = transcripts(c2);
    expect(got).toHaveLength(MAX_BUFFERED_EVENTS);
    expect([got[0], got.at(-1)]).toEqual(['e50', `e${MAX_BUFFERED_EVENTS + 49}`]);
    expect((await c2.request('leave')).ok).toBe(true);
    c2.close();
  });

  it('interrupt and pushToTalk reach the call assistant; without one they are ERR_ASSISTANT_UNAVAILABLE', async () => {
    const { c, call } = await joinAs(server, 'alice');
    expectError(await c.request('interrupt'), 'ERR_ASSISTANT_UNAVAILABLE');
    expectError(await c.request('pushToTalk', { pressed: true }), 'ERR_ASSISTANT_UNAVAILABLE');
    const fake = new RecordingAssistant();
    call.assistant = fake;
    expect((await c.request('interrupt')).data).toEqual({ interrupted: false });
    fake.busy = true;
    expect((await c.request('interrupt')).data).toEqual({ interrupted: true });
    expect((await c.request('pushToTalk', { pressed: true })).ok).toBe(true);
    expect((await c.request('pushToTalk', { pressed: false })).ok).toBe(true);
    expect(fake.pushes).toEqual([true, false]);
    expect(fake.interrupts).toEqual([false, true]);
    expect((await c.request('leave')).ok).toBe(true);
    expectError(await c.request('interrupt'), 'ERR_NOT_JOINED');
    c.close();
  });
});

describe('the resume window on the server clock', () => {
  const WINDOW_MS = 5000;
  let server: SightlineServer;
  const clock = new ManualClock(0);
  beforeAll(async () => {
    server = await startTestServer({ CALL_RESUME_WINDOW_MS: String(WINDOW_MS) }, { clock });
  });
  afterAll(() => server.close());

  it('closes a call nobody resumed when the window ends, freeing it; a resume after that is ERR_NOT_FOUND', async () => {
    const { c, call, callId, resumeToken } = await joinAs(server, 'carol');
    expect((await c.request('createTransport', { direction: 'send' })).ok).toBe(true);
    await drop(c);
    clock.advance(WINDOW_MS - 1);
    expect(call.closed).toBe(false);
    clock.advance(1);
    expect(call.closed).toBe(true);
    expect(server.calls.get(callId)).toBeUndefined();
    await waitFor(() => call.resources.transports === 0, 2000, 'the transport to close');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metricValue(metrics, 'sightline_call_resumes_total{outcome="expired"}')).toBe(1);
    expect(metricValue(metrics, 'sightline_calls_active')).toBe(0);
    const c2 = await RawClient.open(server.url);
    expectError(
      await c2.request('resume', { token: await tokenFor(server, 'carol'), callId, resumeToken }),
      'ERR_NOT_FOUND',
    );
    c2.close();
  });

  it('a resume 1 ms before the window ends keeps the call; the old deadline then passes harmlessly', async () => {
    const { c, call, callId, resumeToken } = await joinAs(server, 'carol');
    await drop(c);
    clock.advance(WINDOW_MS - 1);
    const c2 = await RawClient.open(server.url);
    expect(
      (await c2.request('resume', { token: await tokenFor(server, 'carol'), callId, resumeToken })).ok,
    ).toBe(true);
    // Dropped again at once: a fresh window from this drop; the first one's deadline (1 ms away) is void.
    await drop(c2);
    clock.advance(1);
    expect(call.closed).toBe(false);
    clock.advance(WINDOW_MS - 2);
    expect(call.closed).toBe(false);
    clock.advance(1);
    expect(call.closed).toBe(true);
  });

  it('a socket that closes while its resume is in flight leaves the call waiting for another resume', async () => {
    const { c, call, callId, resumeToken } = await joinAs(server, 'carol');
    await drop(c);
    const token = await tokenFor(server, 'carol');
    for (let i = 0; i < 20; i++) {
      const c2 = await RawClient.open(server.url);
      c2.send('resume', { token, callId, resumeToken });
      c2.ws.terminate();
      await c2.closed;
      // Whether the resume got in before the close or not, nobody holds the call and it waits.
      await waitFor(() => call.link?.holder === null, 2000, 'the call to be released');
      expect(call.closed).toBe(false);
    }
    const c3 = await RawClient.open(server.url);
    expect((await c3.request('resume', { token, callId, resumeToken })).ok).toBe(true);
    expect((await c3.request('leave')).ok).toBe(true);
    expect(call.closed).toBe(true);
    c3.close();
  });
});

describe('restartIce, pauseProducer, resumeProducer, the screen source', () => {
  let server: SightlineServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const OPUS = {
    mid: '0',
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: {} }],
    headerExtensions: [],
    encodings: [{ ssrc: 1111 }],
    rtcp: { cname: 'x', reducedSize: true },
  };
  const vp8 = (mid: string, ssrc: number) => ({
    mid,
    codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, parameters: {} }],
    headerExtensions: [],
    encodings: [{ ssrc }],
    rtcp: { cname: 'x', reducedSize: true },
  });

  it('restartIce gives a transport new ICE credentials; an unknown transport is ERR_NOT_FOUND', async () => {
    const { c } = await joinAs(server, 'dave');
    const t = await c.request('createTransport', { direction: 'send' });
    const before = t.data?.iceParameters as { usernameFragment: string; password: string };
    const restarted = await c.request('restartIce', { transportId: t.data?.id });
    expect(restarted.ok, JSON.stringify(restarted)).toBe(true);
    const after = restarted.data?.iceParameters as { usernameFragment: string; password: string };
    expect(after.usernameFragment).toEqual(expect.any(String));
    expect(after.usernameFragment).not.toBe(before.usernameFragment);
    expect(after.password).not.toBe(before.password);
    expectError(await c.request('restartIce', { transportId: 'nope' }), 'ERR_NOT_FOUND');
    expect((await c.request('leave')).ok).toBe(true);
    expectError(await c.request('restartIce', { transportId: t.data?.id }), 'ERR_NOT_JOINED');
    c.close();
  });

  it('pauses and resumes a producer; an unknown or closed one is ERR_NOT_FOUND', async () => {
    const { c } = await joinAs(server, 'dave');
    const t = await c.request('createTransport', { direction: 'send' });
    const p = await c.request('produce', {
      transportId: t.data?.id,
      kind: 'audio',
      source: 'mic',
      rtpParameters: OPUS,
    });
    const producerId = p.data?.producerId as string;
    expect((await c.request('pauseProducer', { producerId })).ok).toBe(true);
    expect((await c.request('pauseProducer', { producerId })).ok).toBe(true); // idempotent
    expect((await c.request('resumeProducer', { producerId })).ok).toBe(true);
    expectError(await c.request('pauseProducer', { producerId: 'nope' }), 'ERR_NOT_FOUND');
    expect((await c.request('closeProducer', { producerId })).ok).toBe(true);
    expectError(await c.request('resumeProducer', { producerId }), 'ERR_NOT_FOUND');
    expect((await c.request('leave')).ok).toBe(true);
    c.close();
  });

  it('a shared screen is the video the call watches while it exists; closing it returns to the camera', async () => {
    const { c, call } = await joinAs(server, 'dave');
    const t = await c.request('createTransport', { direction: 'send' });
    const transportId = t.data?.id;
    const cam = await c.request('produce', {
      transportId,
      kind: 'video',
      source: 'camera',
      rtpParameters: vp8('1', 2222),
    });
    expect(cam.ok, JSON.stringify(cam)).toBe(true);
    const cameraTap = call.videoTap;
    expect(cameraTap).not.toBeNull();
    expectError(
      await c.request('produce', { transportId, kind: 'audio', source: 'screen', rtpParameters: OPUS }),
      'ERR_INVALID_MESSAGE',
    );
    const screen = await c.request('produce', {
      transportId,
      kind: 'video',
      source: 'screen',
      rtpParameters: vp8('2', 3333),
    });
    expect(screen.ok, JSON.stringify(screen)).toBe(true);
    expect(call.videoTap).not.toBe(cameraTap);
    expect(call.resources).toMatchObject({ producers: 2, videoTaps: 2 });
    expectError(
      await c.request('produce', {
        transportId,
        kind: 'video',
        source: 'screen',
        rtpParameters: vp8('3', 4444),
      }),
      'ERR_INVALID_STATE',
    );
    expect((await c.request('closeProducer', { producerId: screen.data?.producerId })).ok).toBe(true);
    await waitFor(() => call.videoTap === cameraTap, 2000, 'the camera to be watched again');
    await waitFor(() => call.resources.videoTaps === 1, 5000, 'the screen tap to close');
    expect((await c.request('leave')).ok).toBe(true);
    await waitFor(
      () => call.resources.videoTaps === 0 && call.resources.ffmpegPids.length === 0,
      5000,
      'taps to close',
    );
    c.close();
  });
});
