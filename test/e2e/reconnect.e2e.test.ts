import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AssistantText } from '../../client/sdk/api.js';
import type { SightlineServer } from '../../server/app.js';
import type { Call } from '../../server/call/call.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { blockPorts, clearNetBlocks, type PortBlock } from '../helpers/netBlock.js';
import { ReplyingAssistant } from '../helpers/replyingAssistant.js';
import { openSdkPage, type SdkPage } from '../helpers/sdkPage.js';
import { startTestServer, waitFor } from '../helpers/server.js';
import { TcpProxy } from '../helpers/tcpProxy.js';

/*
 * A network blip in a real call: real Chromium running the public SDK against
 * a real server. The page reaches the server's HTTP and WebSocket through a TCP
 * proxy that resets the WebSocket at both ends; the media path (WebRTC to the
 * server's RTC ports) is broken by dropping those ports on lo with nftables.
 * The session must come back to the same call and conversation.
 *
 * The RTC ports sit below the ephemeral range (32768+), so the block touches no
 * one else's sockets (other servers' mediasoup ports, Chromium's, HTTP).
 */
const RTC = { minPort: 31_500, maxPort: 31_599 };
const TOKEN_SECRET = 'reconnect-test-secret-0123456789abcdef';

/** The server's RTP packets received from the caller's microphone. */
const packetsIn = (call: Call): number => call.audioTap?.stats.received ?? 0;

describe('the SDK session survives a cut WebSocket and broken ICE (same call, same conversation)', () => {
  let server: SightlineServer;
  let proxy: TcpProxy;
  let browser: TestBrowser;
  let sdk: SdkPage | null = null;
  let block: PortBlock | null = null;

  beforeAll(async () => {
    server = await startTestServer({
      RTC_MIN_PORT: String(RTC.minPort),
      RTC_MAX_PORT: String(RTC.maxPort),
      TOKEN_SECRET,
    });
    proxy = await TcpProxy.start(server.url);
    browser = await launchBrowser();
  });

  afterEach(async () => {
    // Mended whatever happened in the test, before anything else can fail.
    await block?.unblock();
    block = null;
    await clearNetBlocks();
    await sdk?.close();
    sdk = null;
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await server?.close();
  });

  /** A session in a call with a replying assistant on the server's side. */
  async function startSession(user: string): Promise<{ sdk: SdkPage; call: Call; fake: ReplyingAssistant }> {
    const page = await openSdkPage(browser.browser, proxy.url);
    sdk = page;
    const callPromise = new Promise<Call>((resolve) => server.calls.once('call', resolve));
    await page.connect({ auth: { kind: 'getToken', user } });
    await page.start({ audio: true, video: false });
    const call = await callPromise;
    const fake = new ReplyingAssistant(call);
    expect(await page.prop('callId')).toBe(call.id);
    await page.waitState('listening', 10_000);
    return { sdk: page, call, fake };
  }

  async function replyTo(page: SdkPage, text: string, nth: number): Promise<AssistantText> {
    await page.must('sendText', text);
    return page.waitEvent<AssistantText>('assistantText', 10_000, (t) => t.final, nth);
  }

  it('a WebSocket cut mid-call: reconnecting, then back to the same call; the conversation goes on', async () => {
    const { sdk: page, call, fake } = await startSession('net-ws');
    expect((await replyTo(page, 'hello before the cut', 1)).text).toBe(
      ReplyingAssistant.replyFor(['hello before the cut']),
    );
    const before = (await page.states()).length;

    expect(proxy.cutWebSockets()).toBe(1);
    const back = await page.waitEvent<{ downMs: number; iceRestarted: boolean }>('reconnected', 30_000);
    const states = (await page.states()).slice(before);
    expect(states[0]).toBe('reconnecting');
    expect(states.at(-1)).not.toMatch(/reconnecting|closed|connecting/);
    expect(back.downMs).toBeGreaterThan(0);
    expect(back.iceRestarted).toBe(false);
    // The SDK came back with `resume`, not a new `join`.
    expect(page.sent.filter((r) => r.method === 'join')).toHaveLength(1);
    expect(page.sent.filter((r) => r.method === 'resume').length).toBeGreaterThanOrEqual(1);
    expect(page.sent.find((r) => r.method === 'resume')?.data.callId).toBe(call.id);

    // Same call on both sides, still open; the only one.
    expect(await page.prop('callId')).toBe(call.id);
    expect(call.closed).toBe(false);
    expect(server.calls.all().map((c) => c.id)).toEqual([call.id]);
    // The conversation continues: the reply after the cut knows the message from before it.
    const after = await replyTo(page, 'and after it', 2);
    expect(after.text).toBe(ReplyingAssistant.replyFor(['hello before the cut', 'and after it']));
    expect(fake.texts).toEqual(['hello before the cut', 'and after it']);
    expect((await page.events('error')).map((e) => e.data)).toEqual([]);
    // Media still flows on the transports from before the cut.
    const n = packetsIn(call);
    await waitFor(() => packetsIn(call) > n + 25, 10_000, 'microphone packets after the cut');
  });

  it('ICE broken (the media ports dropped): the session restarts ICE and audio reaches the server again', async () => {
    const { sdk: page, call } = await startSession('net-ice');
    await waitFor(() => packetsIn(call) > 50, 10_000, 'microphone packets before the break');
    const before = (await page.states()).length;

    block = await blockPorts(RTC);
    // The block holds: no packet reaches the server for a second.
    await waitFor(
      async () => {
        const a = packetsIn(call);
        await new Promise((r) => setTimeout(r, 1000));
        return packetsIn(call) === a;
      },
      10_000,
      'the microphone packets to stop',
    );
    // The SDK notices and asks the server for new ICE parameters while the path is still down.
    await waitFor(
      async () => (await page.states()).slice(before).includes('reconnecting'),
      45_000,
      'reconnecting',
    );
    await waitFor(() => page.sent.some((r) => r.method === 'restartIce'), 45_000, 'a restartIce request');
    const stalled = packetsIn(call);
    await block.unblock();
    block = null;

    const back = await page.waitEvent<{ downMs: number; iceRestarted: boolean }>(
      'reconnected',
      45_000,
      (r) => r.iceRestarted,
    );
    expect(back.iceRestarted).toBe(true);
    expect(back.downMs).toBeGreaterThan(0);
    await waitFor(() => packetsIn(call) > stalled + 50, 15_000, 'microphone packets after the ICE restart');
    // The same call and transports: no new join, no new call on the server.
    expect(await page.prop('callId')).toBe(call.id);
    expect(page.sent.filter((r) => r.method === 'join')).toHaveLength(1);
    expect(server.calls.all().map((c) => c.id)).toEqual([call.id]);
    expect(call.closed).toBe(false);
    expect((await page.states()).at(-1)).not.toMatch(/reconnecting|closed/);
  });
});

describe('an expired token at reconnect: refreshed through getToken, else a clear ERR_UNAUTHORIZED', () => {
  const TTL_S = 10;
  let server: SightlineServer;
  let proxy: TcpProxy;
  let browser: TestBrowser;
  const pages: SdkPage[] = [];

  beforeAll(async () => {
    server = await startTestServer({
      TOKEN_TTL_S: String(TTL_S),
      TOKEN_SECRET,
      RTC_MIN_PORT: String(RTC.minPort),
      RTC_MAX_PORT: String(RTC.maxPort),
    });
    proxy = await TcpProxy.start(server.url);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const p of pages) await p.close();
    await browser?.close();
    await proxy?.close();
    await server?.close();
  });

  it('after the TTL, a cut: the getToken session resumes with a fresh token; the fixed-token one closes with ERR_UNAUTHORIZED', async () => {
    const refreshing = await openSdkPage(browser.browser, proxy.url);
    const fixed = await openSdkPage(browser.browser, proxy.url);
    pages.push(refreshing, fixed);
    await refreshing.connect({ auth: { kind: 'getToken', user: 'net-refresh' } });
    const res = await fetch(`${server.url}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'net-fixed' }),
    });
    const { token } = (await res.json()) as { token: string };
    await fixed.connect({ auth: { kind: 'token', token } });
    await Promise.all([refreshing.start(), fixed.start()]);
    const callIds = [await refreshing.prop<string>('callId'), await fixed.prop<string>('callId')];
    const issued = (await refreshing.tokens()).length;
    expect(issued).toBeGreaterThanOrEqual(1);
    const firstToken = (await refreshing.tokens()).at(-1);

    // Both tokens expire (the server checks expiry on the wall clock).
    await new Promise((r) => setTimeout(r, (TTL_S + 1) * 1000));
    expect(proxy.cutWebSockets()).toBe(2);

    await refreshing.waitEvent('reconnected', 30_000);
    const tokens = await refreshing.tokens();
    expect(tokens.length).toBeGreaterThan(issued);
    const resume = refreshing.sent.find((r) => r.method === 'resume');
    expect(resume?.data.token).toBe(tokens.at(-1));
    expect(resume?.data.token).not.toBe(firstToken);
    expect(await refreshing.prop('callId')).toBe(callIds[0]);
    expect(server.calls.get(callIds[0] as string)?.closed).toBe(false);

    const error = await fixed.waitEvent<{ code: string; recoverable: boolean }>('error', 30_000);
    expect(error.code).toBe('ERR_UNAUTHORIZED');
    await fixed.waitState('closed', 10_000);
    expect(error.recoverable).toBe(false);
    // It did not ask the dev endpoint behind the app's back, nor join a new call.
    expect(await fixed.tokens()).toEqual([]);
    expect(fixed.sent.filter((r) => r.method === 'join')).toHaveLength(1);
  });
});
