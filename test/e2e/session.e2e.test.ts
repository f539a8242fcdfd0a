import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerEventMap } from '../../protocol/messages.js';
import type { SightlineServer } from '../../server/app.js';
import type { Call } from '../../server/call/call.js';
import { launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { RecordingAssistant } from '../helpers/recordingAssistant.js';
import { startTestServer, waitFor } from '../helpers/server.js';

/** What the test page keeps: the session, every event it emitted, and the debug lines. */
interface PageWindow {
  session: {
    state: string;
    callId: string | null;
    microphoneMuted: boolean;
    assistantTrack: MediaStreamTrack | null;
    localStream: MediaStream | null;
    start(o?: unknown): Promise<void>;
    hangUp(): Promise<void>;
    sendText(t: string): Promise<{ turnId: string }>;
    interrupt(): Promise<boolean>;
    setMicrophoneMuted(m: boolean): Promise<void>;
    registerTool(
      name: string,
      parameters: Record<string, unknown>,
      handler: (args: Record<string, unknown>, ctx: { signal: AbortSignal }) => unknown,
      options: { description: string; timeoutMs?: number },
    ): Promise<void>;
  };
  events: Record<string, unknown[]>;
  debug: string[];
}

/**
 * The SDK's public `connect()` in real Chromium with fake devices, against a real
 * server whose call has a recording assistant: the session starts (ICE + DTLS
 * done), the assistant's events arrive in the SDK's shapes, typed text and client
 * tools (ok, throwing, never answering) reach the assistant, interrupt is sent.
 */
describe('connect() and a Session in Chromium', () => {
  let server: SightlineServer;
  let browser: TestBrowser;
  let page: Page;
  let call: Call;
  const fake = new RecordingAssistant();

  function push<E extends keyof ServerEventMap>(event: E, data: ServerEventMap[E]): void {
    (call.emit as (name: 'push', e: E, d: ServerEventMap[E]) => boolean)('push', event, data);
  }

  const events = (name: string) =>
    page.evaluate((n) => (globalThis as unknown as PageWindow).events[n] ?? [], name);

  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchBrowser();
    page = await browser.browser.newPage();
    page.on('pageerror', (e) => console.error('[page error]', e.message));
    // Any page of the server's origin; the SDK is loaded as a plain module script, as an app would.
    await page.goto(`${server.url}/healthz`);
    await page.addScriptTag({ type: 'module', content: "import * as sdk from '/sdk.js'; window.sdk = sdk;" });
    await page.waitForFunction(() => 'sdk' in globalThis);
    const callPromise = new Promise<Call>((resolve) => server.calls.once('call', resolve));
    await page.evaluate(async () => {
      const w = globalThis as unknown as PageWindow & {
        sdk: { connect(o: unknown): Promise<PageWindow['session']> };
      };
      const sdk = w.sdk;
      w.events = {};
      w.debug = [];
      const session = await sdk.connect({ logger: { debug: (m: string) => w.debug.push(m) } });
      for (const name of ['state', 'userTranscript', 'assistantText', 'toolCall', 'metrics', 'error']) {
        (session as unknown as { on(n: string, l: (e: unknown) => void): void }).on(name, (e) => {
          w.events[name] = [...(w.events[name] ?? []), e];
        });
      }
      w.session = session;
    });
    call = await callPromise;
    call.assistant = fake;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('connect() fails with a clear, typed error: an unreachable server, a refused token', async () => {
    // A port nothing listens on: taken from the OS, then closed.
    const dead = await new Promise<number>((resolve) => {
      const probe = createServer();
      probe.listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const failures = await page.evaluate(
      async ({ deadUrl }) => {
        const sdk = (globalThis as unknown as { sdk: { connect(o: unknown): Promise<unknown> } }).sdk;
        const attempt = async (options: unknown) => {
          try {
            await sdk.connect(options);
            return { code: 'none', message: '' };
          } catch (e) {
            const err = e as { code?: string; message?: string; name?: string };
            return { code: err.code ?? String(e), message: err.message ?? '', name: err.name ?? '' };
          }
        };
        return {
          unreachable: await attempt({ url: deadUrl, token: 'whatever-token' }),
          refused: await attempt({ token: 'not-a-token-this-server-issued' }),
        };
      },
      { deadUrl: `http://127.0.0.1:${dead}` },
    );
    expect(failures.unreachable).toMatchObject({ code: 'ERR_CONNECTION_CLOSED', name: 'SightlineError' });
    expect(failures.unreachable.message).toContain(`127.0.0.1:${dead}`);
    expect(failures.refused).toMatchObject({ code: 'ERR_UNAUTHORIZED', name: 'SightlineError' });
  });

  it('hangUp() while start() is in flight leaves no device, audio element or call behind', async () => {
    const outcomes = await page.evaluate(async () => {
      const sdk = (globalThis as unknown as { sdk: { connect(o: unknown): Promise<unknown> } }).sdk;
      const md = navigator.mediaDevices;
      const original = md.getUserMedia.bind(md);
      const granted: MediaStreamTrack[] = [];
      md.getUserMedia = async (c?: MediaStreamConstraints) => {
        const stream = await original(c);
        granted.push(...stream.getTracks());
        return stream;
      };
      const results: string[] = [];
      try {
        // Each delay lands the hang-up in a different await of start(): transports, consume, devices, ICE.
        for (const delayMs of [0, 5, 15, 30, 60, 120, 250, 500]) {
          const s = (await sdk.connect({})) as {
            start(o: unknown): Promise<void>;
            hangUp(): Promise<void>;
          };
          const started = s.start({ audio: true, video: true }).then(
            () => 'started',
            (e: { code?: string }) => e.code ?? 'error',
          );
          await new Promise((r) => setTimeout(r, delayMs));
          await s.hangUp();
          results.push(`${delayMs}:${await started}`);
        }
      } finally {
        md.getUserMedia = original;
      }
      await new Promise((r) => setTimeout(r, 500));
      return {
        results,
        granted: granted.length,
        live: granted.filter((t) => t.readyState === 'live').map((t) => t.label),
        audioElements: document.querySelectorAll('audio[data-sightline="assistant"]').length,
      };
    });
    console.log(`hang-up during start: ${outcomes.results.join(' ')}; ${outcomes.granted} tracks granted`);
    // Every run ended: aborted while starting, or started just before the hang-up.
    for (const r of outcomes.results) expect(r).toMatch(/:(ERR_ABORTED|started)$/);
    expect(outcomes.results.some((r) => r.endsWith(':ERR_ABORTED'))).toBe(true);
    expect(outcomes.live).toEqual([]);
    // The one audio element left is this file's main session's (not started yet: none at all).
    expect(outcomes.audioElements).toBe(0);
    await waitFor(() => server.calls.size === 1, 10_000, 'only the main session left on the server');
  });

  it('is idle after connect, and start resolves once the audio path is up', async () => {
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).session.state)).toBe('idle');
    const started = await page.evaluate(async () => {
      const s = (globalThis as unknown as PageWindow).session;
      await s.start({ audio: true, video: true });
      return {
        state: s.state,
        track: s.assistantTrack?.kind,
        local: s.localStream
          ?.getTracks()
          .map((t) => t.kind)
          .sort(),
        audioEl: document.querySelectorAll('audio[data-sightline="assistant"]').length,
      };
    });
    expect(started).toEqual({ state: 'listening', track: 'audio', local: ['audio', 'video'], audioEl: 1 });
    expect(await events('state')).toEqual(['connecting', 'listening']);
    await waitFor(() => call.state === 'media-connected', 10_000, 'the server to see media');
  });

  it("follows the assistant's turn states", async () => {
    for (const [state, expected] of [
      ['user-speaking', 'listening'],
      ['thinking', 'thinking'],
      ['speaking', 'speaking'],
      ['interrupted', 'listening'],
    ] as const) {
      push('assistant_state', { state, turnId: 't1' });
      await page.waitForFunction((e) => (globalThis as unknown as PageWindow).session.state === e, expected, {
        timeout: 5000,
      });
    }
  });

  it('passes transcripts, replies and turn metrics on, and drops what is malformed', async () => {
    push('transcript', { utteranceId: 'u1', text: 'what is', final: false, startMs: 100, endMs: 600 });
    push('transcript', { utteranceId: 'u1', text: 'What is this?', final: true, startMs: 100, endMs: 900 });
    push('reply', { turnId: 't1', text: 'A mug', final: false, playedMs: 400, interrupted: false });
    push('reply', { turnId: 't1', text: 'A mug', final: true, playedMs: 700, interrupted: true });
    push('metrics', { type: 'video_tap', framesOut: 10, restarts: 0, fps: 2 });
    // Malformed: the SDK drops it with a debug line instead of handing it to the app.
    (call.emit as (n: 'push', e: string, d: unknown) => boolean)('push', 'transcript', { text: 7 });
    (call.emit as (n: 'push', e: string, d: unknown) => boolean)('push', 'horoscope', { sign: 'leo' });
    await page.waitForFunction(
      () => ((globalThis as unknown as PageWindow).events.assistantText ?? []).length === 2,
    );
    expect(await events('userTranscript')).toEqual([
      { utteranceId: 'u1', text: 'what is', final: false, startMs: 100, endMs: 600 },
      { utteranceId: 'u1', text: 'What is this?', final: true, startMs: 100, endMs: 900 },
    ]);
    expect(await events('assistantText')).toEqual([
      { turnId: 't1', text: 'A mug', final: false, playedMs: 400, interrupted: false },
      { turnId: 't1', text: 'A mug', final: true, playedMs: 700, interrupted: true },
    ]);
    expect(await events('metrics')).toEqual([]);
    const debug = await page.evaluate(() => (globalThis as unknown as PageWindow).debug);
    expect(debug).toContain('sightline: ignored an invalid server message');
    expect(debug).toContain('sightline: ignored an unknown server message');
  });

  it('sends typed text to the assistant', async () => {
    const sent = await page.evaluate(() =>
      (globalThis as unknown as PageWindow).session.sendText('read the sign'),
    );
    expect(sent.turnId).toMatch(/^turn-/);
    expect(fake.texts.at(-1)).toBe('read the sign');
  });

  it("answers the server's tool calls: ok, a throw, and one that never answers", async () => {
    await page.evaluate(async () => {
      const s = (globalThis as unknown as PageWindow).session;
      const params = { type: 'object', properties: { lamp: { type: 'string' } } };
      await s.registerTool('get_colour', params, (a) => ({ lamp: a.lamp, colour: 'amber' }), {
        description: 'The colour of a lamp.',
      });
      await s.registerTool(
        'broken',
        params,
        () => {
          throw new Error('the lamp is unplugged');
        },
        { description: 'Always fails.' },
      );
      await s.registerTool('silent', params, () => new Promise(() => undefined), {
        description: 'Never answers.',
        timeoutMs: 500,
      });
    });
    expect(fake.toolLists.at(-1)?.map((t) => t.name)).toEqual(['get_colour', 'broken', 'silent']);
    fake.openCalls.add('k1').add('k2').add('k3');
    push('tool_call', { callId: 'k1', name: 'get_colour', arguments: { lamp: 'desk' }, timeoutMs: 5000 });
    push('tool_call', { callId: 'k2', name: 'broken', arguments: {}, timeoutMs: 5000 });
    push('tool_call', { callId: 'k3', name: 'silent', arguments: {}, timeoutMs: 5000 });
    await waitFor(() => fake.results.length === 3, 5000, 'three tool results');
    expect([...fake.results].sort((a, b) => a.callId.localeCompare(b.callId))).toEqual([
      { callId: 'k1', outcome: { ok: true, result: { lamp: 'desk', colour: 'amber' } } },
      { callId: 'k2', outcome: { ok: false, error: 'the lamp is unplugged' } },
      { callId: 'k3', outcome: { ok: false, error: 'timed out after 500 ms' } },
    ]);
    await page.waitForFunction(
      () => ((globalThis as unknown as PageWindow).events.toolCall ?? []).length === 3,
    );
    const outcomes = (await events('toolCall')) as {
      callId: string;
      outcome: { ok: boolean; code?: string };
    }[];
    expect(outcomes.map((e) => [e.callId, e.outcome.ok, e.outcome.code])).toEqual([
      ['k1', true, undefined],
      ['k2', false, 'ERR_TOOL_FAILED'],
      ['k3', false, 'ERR_TOOL_TIMEOUT'],
    ]);
  });

  it('interrupt() asks the server to stop the reply', async () => {
    const interrupted = await page.evaluate(() => (globalThis as unknown as PageWindow).session.interrupt());
    expect(typeof interrupted).toBe('boolean');
  });

  it('mutes the microphone (paused here and on the server) and unmutes it', async () => {
    const muted = await page.evaluate(async () => {
      const s = (globalThis as unknown as PageWindow).session;
      await s.setMicrophoneMuted(true);
      const m = s.microphoneMuted;
      await s.setMicrophoneMuted(false);
      return [m, s.microphoneMuted];
    });
    expect(muted).toEqual([true, false]);
    expect(await events('error')).toEqual([]);
  });

  it('hangs up: closed, devices stopped, the call ends on the server', async () => {
    const closedPromise = new Promise<void>((resolve) => call.once('closed', () => resolve()));
    const after = await page.evaluate(async () => {
      const s = (globalThis as unknown as PageWindow).session;
      const tracks = s.localStream?.getTracks() ?? [];
      await s.hangUp();
      await s.hangUp();
      return {
        state: s.state,
        ended: tracks.every((t) => t.readyState === 'ended'),
        audioEl: document.querySelectorAll('audio[data-sightline="assistant"]').length,
      };
    });
    expect(after).toEqual({ state: 'closed', ended: true, audioEl: 0 });
    await closedPromise;
    expect((await events('state')).at(-1)).toBe('closed');
  });
});
