import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SessionEvents } from '../../../../client/sdk/api.js';
import { Emitter } from '../../../../client/sdk/emitter.js';
import { SightlineSession } from '../../../../client/sdk/session.js';
import type { SignalingEvents, SignalingPort } from '../../../../client/sdk/signaling.js';
import { SightlineError } from '../../../../protocol/errors.js';
import type { Method, RequestData, ServerEventMap } from '../../../../protocol/messages.js';

type Answer = (data: unknown, socket: FakeSocket) => unknown;

/** One scripted signaling connection: records requests, answers them from the server's script. */
class FakeSocket extends Emitter<SignalingEvents> implements SignalingPort {
  readonly requests: { method: Method; data: unknown }[] = [];
  closed = false;
  constructor(readonly server: FakeServer) {
    super();
  }
  async request<M extends Method>(method: M, data: RequestData<M>): Promise<never> {
    if (this.closed) throw new SightlineError('ERR_CONNECTION_CLOSED');
    this.requests.push({ method, data });
    this.server.log.push(method);
    const answer = this.server.answers[method];
    if (!answer) throw new SightlineError('ERR_UNKNOWN_TYPE', method);
    return (await answer(data, this)) as never;
  }
  push<E extends keyof ServerEventMap>(event: E, data: ServerEventMap[E]): void {
    (this.emit as (e: E, d: ServerEventMap[E]) => void)(event, data);
  }
  close(): void {
    this.drop(1000);
  }
  /** The network cut the socket. */
  drop(code = 1006): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code);
  }
}

/** The server side of the fake: which tokens it takes, and how it answers each method. */
class FakeServer {
  readonly sockets: FakeSocket[] = [];
  readonly log: Method[] = [];
  validTokens = new Set(['good']);
  /** While true, opening a socket fails like an unreachable server. */
  unreachable = false;
  resumeToken = 'resume-token-0000001';
  resumeWindowMs = 30_000;
  resumed = 0;
  answers: Partial<Record<Method, Answer>> = {
    join: (d) => {
      if (!this.validTokens.has((d as { token: string }).token)) throw new SightlineError('ERR_UNAUTHORIZED');
      return {
        callId: 'call-1',
        routerRtpCapabilities: {},
        protocolVersion: 1,
        resumeToken: this.resumeToken,
        resumeWindowMs: this.resumeWindowMs,
      };
    },
    resume: (d) => {
      const r = d as RequestData<'resume'>;
      if (!this.validTokens.has(r.token)) throw new SightlineError('ERR_UNAUTHORIZED');
      if (r.callId !== 'call-1' || r.resumeToken !== this.resumeToken)
        throw new SightlineError('ERR_NOT_FOUND');
      this.resumed++;
      this.resumeToken = `resume-token-000000${this.resumed + 1}`;
      return { callId: 'call-1', resumeToken: this.resumeToken, resumeWindowMs: 30_000 };
    },
    leave: () => ({}),
    registerTools: (d) => ({ registered: (d as RequestData<'registerTools'>).tools.length }),
    toolResult: () => ({}),
    interrupt: () => ({ interrupted: true }),
    sendText: () => ({ turnId: 'turn-1' }),
  };
  readonly open = vi.fn(async () => {
    if (this.unreachable) throw new SightlineError('ERR_CONNECTION_CLOSED', 'could not connect');
    const s = new FakeSocket(this);
    this.sockets.push(s);
    return s;
  });
  get socket(): FakeSocket {
    return this.sockets.at(-1) as FakeSocket;
  }
}

function record(session: SightlineSession) {
  const seen: { [E in keyof SessionEvents]?: SessionEvents[E][] } = {};
  const names: (keyof SessionEvents)[] = [
    'state',
    'userTranscript',
    'assistantText',
    'toolCall',
    'metrics',
    'models',
    'error',
    'reconnected',
    'videoProgress',
    'videoAnswer',
  ];
  for (const name of names) {
    session.on(name, (...args: unknown[]) => {
      const list = (seen[name] ?? []) as unknown[][];
      list.push(args);
      (seen as Record<string, unknown[][]>)[name] = list;
    });
  }
  return seen;
}

const connect = (server: FakeServer, options: Parameters<typeof SightlineSession.create>[0] = {}) =>
  SightlineSession.create(
    { url: 'http://sightline.test', token: 'good', ...options },
    { openSignaling: server.open, random: () => 0.5, now: () => Date.now() },
  );

describe('Session over a scripted signaling connection', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('joins on the WebSocket path of the url, and is idle until start', async () => {
    const server = new FakeServer();
    const session = await connect(server);
    expect(server.open).toHaveBeenCalledWith('ws://sightline.test/ws', 10_000, expect.anything());
    expect(server.socket.requests[0]).toEqual({ method: 'join', data: { token: 'good' } });
    expect(session.callId).toBe('call-1');
    expect(session.state).toBe('idle');
    server.socket.push('assistant_state', { state: 'speaking', turnId: 't1' });
    expect(session.state).toBe('idle');
  });

  it("passes the assistant's events on in the SDK's shapes; only turn metrics", async () => {
    const server = new FakeServer();
    const session = await connect(server);
    const seen = record(session);
    const s = server.socket;
    s.push('transcript', { utteranceId: 'u1', text: 'hi', final: false, startMs: 0, endMs: 200 });
    s.push('reply', { turnId: 't1', text: 'Hello', final: true, playedMs: 900, interrupted: true });
    s.push('metrics', { type: 'audio_tap', framesOut: 1, gapsFilledMs: 0, lateDropped: 0, reordered: 0 });
    const turn = {
      type: 'turn' as const,
      turnId: 't1',
      trigger: 'text' as const,
      endOfTurnDelayMs: null,
      sttLatencyMs: null,
      llmTtftMs: 1,
      ttsTtfbMs: 2,
      voiceToVoiceMs: 3,
      interrupted: false,
      tokensIn: 1,
      tokensOut: 1,
      visualTokensKept: 0,
      visualTokensMerged: 0,
    };
    s.push('metrics', turn);
    expect(seen.userTranscript).toEqual([
      [{ utteranceId: 'u1', text: 'hi', final: false, startMs: 0, endMs: 200 }],
    ]);
    expect(seen.assistantText).toEqual([
      [{ turnId: 't1', text: 'Hello', final: true, playedMs: 900, interrupted: true }],
    ]);
    expect(seen.metrics).toEqual([[turn]]);
  });

  it('gives a late models listener the status the server sent on join', async () => {
    const server = new FakeServer();
    const models = { ready: true, loaded: {}, missing: [], fetchCommand: null, tinyTestModels: true };
    const join = server.answers.join as Answer;
    server.answers.join = (d, socket) => {
      const joined = join(d, socket);
      socket.push('models', models);
      return joined;
    };
    const session = await connect(server);
    const got = vi.fn();
    session.on('models', got);
    const off = session.on('models', vi.fn());
    off();
    await Promise.resolve();
    expect(got).toHaveBeenCalledWith(models);
  });

  it('sends interrupt and typed text on the connection', async () => {
    const server = new FakeServer();
    const session = await connect(server);
    expect(await session.interrupt()).toBe(true);
    expect(await session.sendText('  hello  ')).toEqual({ turnId: 'turn-1' });
    expect(server.socket.requests.slice(1)).toEqual([
      { method: 'interrupt', data: {} },
      { method: 'sendText', data: { text: 'hello' } },
    ]);
    await expect(session.sendText('   ')).rejects.toMatchObject({ code: 'ERR_INVALID_MESSAGE' });
  });

  it('media controls before start reject with ERR_INVALID_STATE (never throw synchronously)', async () => {
    const session = await connect(new FakeServer());
    const calls = [
      () => session.setMicrophoneMuted(true),
      () => session.setCameraMuted(true),
      () => session.switchMicrophone('m2'),
      () => session.switchCamera('c2'),
      () => session.shareScreen(true),
      () => session.talk(true),
    ];
    for (const call of calls) {
      const pending = call();
      expect(pending).toBeInstanceOf(Promise);
      await expect(pending).rejects.toMatchObject({ code: 'ERR_INVALID_STATE' });
    }
    expect(session.microphoneMuted).toBe(false);
  });

  describe('tokens', () => {
    it('a refused token is replaced once through getToken', async () => {
      const server = new FakeServer();
      const getToken = vi.fn().mockResolvedValueOnce('good');
      const session = await connect(server, { token: 'expired', getToken });
      expect(session.callId).toBe('call-1');
      expect(getToken).toHaveBeenCalledTimes(1);
      expect(server.log.filter((m) => m === 'join')).toHaveLength(2);
    });

    it('without getToken a refused token rejects connect with ERR_UNAUTHORIZED', async () => {
      const server = new FakeServer();
      await expect(connect(server, { token: 'expired' })).rejects.toMatchObject({ code: 'ERR_UNAUTHORIZED' });
      expect(server.log).toEqual(['join']);
      expect(server.sockets.every((s) => s.closed)).toBe(true);
    });

    it('getToken refused twice rejects, without looping', async () => {
      const server = new FakeServer();
      const getToken = vi.fn().mockResolvedValue('also-expired');
      await expect(connect(server, { token: undefined, getToken })).rejects.toMatchObject({
        code: 'ERR_UNAUTHORIZED',
      });
      expect(getToken).toHaveBeenCalledTimes(2);
    });

    it('dev mode asks the server for a token as the user', async () => {
      const server = new FakeServer();
      const devToken = vi.fn().mockResolvedValue('good');
      await SightlineSession.create(
        { url: 'http://sightline.test', user: 'ann' },
        { openSignaling: server.open, devToken },
      );
      expect(devToken).toHaveBeenCalledWith({ baseUrl: 'http://sightline.test', user: 'ann' });
    });

    it('an unreachable server rejects with ERR_CONNECTION_CLOSED', async () => {
      const server = new FakeServer();
      server.unreachable = true;
      await expect(connect(server)).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
    });
  });

  describe('client tools', () => {
    const params = { type: 'object', properties: {} };

    it('registers the whole set, and answers calls: ok, thrown, never answered', async () => {
      const server = new FakeServer();
      const session = await connect(server);
      const seen = record(session);
      await session.registerTool('colour', params, () => 'amber', { description: 'lamp colour' });
      await session.registerTool(
        'broken',
        params,
        () => {
          throw new Error('unplugged');
        },
        { description: 'fails' },
      );
      await session.registerTool('silent', params, () => new Promise(() => undefined), {
        description: 'never answers',
        timeoutMs: 2000,
      });
      const lists = server.socket.requests
        .filter((r) => r.method === 'registerTools')
        .map((r) => (r.data as RequestData<'registerTools'>).tools.map((t) => t.name));
      expect(lists).toEqual([['colour'], ['colour', 'broken'], ['colour', 'broken', 'silent']]);

      for (const name of ['colour', 'broken', 'silent']) {
        server.socket.push('tool_call', { callId: `k-${name}`, name, arguments: {}, timeoutMs: 5000 });
      }
      await vi.advanceTimersByTimeAsync(2000);
      const results = server.socket.requests.filter((r) => r.method === 'toolResult').map((r) => r.data);
      expect(results).toEqual([
        { callId: 'k-colour', ok: true, result: 'amber' },
        { callId: 'k-broken', ok: false, error: 'unplugged' },
        { callId: 'k-silent', ok: false, error: 'timed out after 2000 ms' },
      ]);
      expect(
        seen.toolCall?.map(([e]) => [e.name, e.outcome.ok, e.outcome.ok ? null : e.outcome.code]),
      ).toEqual([
        ['colour', true, null],
        ['broken', false, 'ERR_TOOL_FAILED'],
        ['silent', false, 'ERR_TOOL_TIMEOUT'],
      ]);
    });

    it('reports ERR_TOOL_TIMEOUT when the server stopped waiting first', async () => {
      const server = new FakeServer();
      server.answers.toolResult = () => {
        throw new SightlineError('ERR_NOT_FOUND', 'no such tool call');
      };
      const session = await connect(server);
      const seen = record(session);
      await session.registerTool('late', params, () => 'ok', { description: 'late' });
      server.socket.push('tool_call', { callId: 'k1', name: 'late', arguments: {}, timeoutMs: 5000 });
      await vi.advanceTimersByTimeAsync(0);
      expect(seen.toolCall?.[0]?.[0].outcome).toMatchObject({ ok: false, code: 'ERR_TOOL_TIMEOUT' });
      expect(seen.error).toBeUndefined();
    });

    it('hangUp aborts a running handler and answers nothing', async () => {
      const server = new FakeServer();
      const session = await connect(server);
      let signal: AbortSignal | null = null;
      await session.registerTool(
        'slow',
        params,
        (_a, ctx) => {
          signal = ctx.signal;
          return new Promise(() => undefined);
        },
        { description: 'slow' },
      );
      server.socket.push('tool_call', { callId: 'k1', name: 'slow', arguments: {}, timeoutMs: 5000 });
      await vi.advanceTimersByTimeAsync(10);
      await session.hangUp();
      expect((signal as AbortSignal | null)?.aborted).toBe(true);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(server.log).not.toContain('toolResult');
      expect(vi.getTimerCount()).toBe(0);
    });
  });

  describe('reconnect after a WebSocket cut', () => {
    it('resumes the same call with a fresh token and the resume token, then says how long it was down', async () => {
      const server = new FakeServer();
      let n = 0;
      const getToken = vi.fn(async () => {
        n++;
        server.validTokens.add(`t${n}`);
        return `t${n}`;
      });
      const session = await connect(server, { token: undefined, getToken });
      const seen = record(session);
      server.unreachable = true;
      server.socket.drop();
      expect(session.state).toBe('reconnecting');
      await vi.advanceTimersByTimeAsync(1600); // attempts at 50, 550 and 1550 ms fail
      expect(server.open).toHaveBeenCalledTimes(4);
      server.unreachable = false;
      await vi.advanceTimersByTimeAsync(2000); // the fourth, at 3550 ms, resumes
      const resume = server.socket.requests[0];
      expect(resume?.method).toBe('resume');
      expect(resume?.data).toEqual({ token: `t${n}`, callId: 'call-1', resumeToken: 'resume-token-0000001' });
      expect(session.state).toBe('idle');
      expect(seen.state?.map(([s]) => s)).toEqual(['reconnecting', 'idle']);
      expect(seen.reconnected).toEqual([[{ downMs: expect.any(Number), iceRestarted: false }]]);
      // Requests go on the new socket; a second cut presents the new resume token.
      await session.sendText('still here');
      expect(server.socket.requests.at(-1)?.method).toBe('sendText');
      server.socket.drop();
      await vi.advanceTimersByTimeAsync(600);
      expect(server.socket.requests[0]?.data).toMatchObject({ resumeToken: 'resume-token-0000002' });
      expect(server.resumed).toBe(2);
    });

    it('requests while reconnecting fail fast with ERR_CONNECTION_CLOSED; tools registered meanwhile are sent after', async () => {
      const server = new FakeServer();
      const session = await connect(server);
      server.unreachable = true;
      server.socket.drop();
      await expect(session.sendText('hello?')).rejects.toMatchObject({ code: 'ERR_CONNECTION_CLOSED' });
      await session.registerTool('later', { type: 'object' }, () => 1, { description: 'later' });
      server.unreachable = false;
      await vi.advanceTimersByTimeAsync(600);
      expect(server.socket.requests.map((r) => r.method)).toEqual(['resume', 'registerTools']);
    });

    it('gives up after the attempts: an error, then closed', async () => {
      const server = new FakeServer();
      const session = await connect(server, { reconnect: { maxAttempts: 3, baseDelayMs: 100 } });
      const seen = record(session);
      server.unreachable = true;
      server.socket.drop();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(server.open).toHaveBeenCalledTimes(4);
      expect(seen.error?.map(([e]) => e.code)).toEqual(['ERR_CONNECTION_CLOSED']);
      expect(session.state).toBe('closed');
      expect(vi.getTimerCount()).toBe(0);
    });

    it("stops trying once the server's resume window has passed", async () => {
      const server = new FakeServer();
      server.resumeWindowMs = 2000;
      const session = await connect(server);
      const seen = record(session);
      server.unreachable = true;
      server.socket.drop();
      await vi.advanceTimersByTimeAsync(60_000);
      // Attempts at 50, 550, 1550 and 3550 ms (the last was due while the window was open);
      // the window closed at 2000 ms, so none after.
      expect(server.open).toHaveBeenCalledTimes(1 + 4);
      expect(seen.error?.map(([e]) => e.code)).toEqual(['ERR_CONNECTION_CLOSED']);
      expect(session.state).toBe('closed');
    });

    it('reports how long the socket was down', async () => {
      const server = new FakeServer();
      const session = await connect(server);
      const seen = record(session);
      server.unreachable = true;
      server.socket.drop();
      await vi.advanceTimersByTimeAsync(1000);
      server.unreachable = false;
      await vi.advanceTimersByTimeAsync(1000);
      // Attempts at 50 and 550 ms fail; the one at 1550 ms gets through.
      expect(seen.reconnected).toEqual([[{ downMs: 1550, iceRestarted: false }]]);
    });

    it('stops at once when the call is gone (resume refused)', async () => {
      const server = new FakeServer();
      const session = await connect(server);
      const seen = record(session);
      server.resumeToken = 'someone-else-entirely';
      server.socket.drop();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(server.log.filter((m) => m === 'resume')).toHaveLength(1);
      expect(seen.error?.map(([e]) => e.code)).toEqual(['ERR_NOT_FOUND']);
      expect(session.state).toBe('closed');
    });

    it('a refused token on resume without getToken ends the session with ERR_UNAUTHORIZED', async () => {
      const server = new FakeServer();
      const session = await connect(server);
      const seen = record(session);
      server.validTokens.clear();
      server.socket.drop();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(seen.error?.map(([e]) => e.code)).toEqual(['ERR_UNAUTHORIZED']);
      expect(session.state).toBe('closed');
    });

    it('hangUp during reconnect stops everything: no attempt, no timer, no event after it', async () => {
      const server = new FakeServer();
      const session = await connect(server);
      const seen = record(session);
      server.unreachable = true;
      server.socket.drop();
      await vi.advanceTimersByTimeAsync(1600);
      const opened = server.open.mock.calls.length;
      await session.hangUp();
      expect(session.state).toBe('closed');
      expect(vi.getTimerCount()).toBe(0);
      server.unreachable = false;
      await vi.advanceTimersByTimeAsync(120_000);
      expect(server.open).toHaveBeenCalledTimes(opened);
      expect(seen.error).toBeUndefined();
      expect(seen.state?.map(([s]) => s)).toEqual(['reconnecting', 'closed']);
      await session.hangUp();
      expect(seen.state).toHaveLength(2);
    });

    it('with reconnect off a cut ends the session', async () => {
      const server = new FakeServer();
      const session = await connect(server, { reconnect: { enabled: false } });
      const seen = record(session);
      server.socket.drop();
      await vi.advanceTimersByTimeAsync(0);
      expect(seen.error?.map(([e]) => e.code)).toEqual(['ERR_CONNECTION_CLOSED']);
      expect(session.state).toBe('closed');
      expect(server.open).toHaveBeenCalledTimes(1);
    });
  });

  it("a server error that is not recoverable ends the session; one that is doesn't", async () => {
    const server = new FakeServer();
    const session = await connect(server);
    const seen = record(session);
    server.socket.push('error', new SightlineError('ERR_RATE_LIMITED').toWire());
    expect(session.state).toBe('idle');
    server.socket.push('error', new SightlineError('ERR_MEDIA_WORKER_DIED').toWire());
    await vi.advanceTimersByTimeAsync(0);
    expect(seen.error?.map(([e]) => [e.code, e instanceof SightlineError])).toEqual([
      ['ERR_RATE_LIMITED', true],
      ['ERR_MEDIA_WORKER_DIED', true],
    ]);
    expect(session.state).toBe('closed');
    expect(server.log).toContain('leave');
  });
});
