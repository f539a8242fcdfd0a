import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ToolRunner } from '../../../../client/sdk/toolRunner.js';

const params = { type: 'object', properties: { lamp: { type: 'string' } } };
const call = (name: string, timeoutMs = 30_000, args: unknown = { lamp: 'desk' }) => ({
  callId: `c-${name}`,
  name,
  arguments: args,
  timeoutMs,
});

function runner(): ToolRunner {
  const r = new ToolRunner();
  r.withTool('colour', params, (a) => ({ lamp: a.lamp, colour: 'amber' }), { description: 'd' }).commit();
  r.withTool('broken', params, () => Promise.reject(new Error('the lamp is unplugged')), {
    description: 'd',
  }).commit();
  r.withTool('forever', params, () => new Promise(() => undefined), {
    description: 'd',
    timeoutMs: 2000,
  }).commit();
  return r;
}

describe('ToolRunner', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("answers ok with the handler's value, and sends the whole set in wire form", async () => {
    const r = runner();
    expect(r.wire().map((t) => t.name)).toEqual(['colour', 'broken', 'forever']);
    expect(JSON.stringify(r.wire())).not.toContain('handler');
    const run = await r.run(call('colour'));
    expect(run?.result).toEqual({ callId: 'c-colour', ok: true, result: { lamp: 'desk', colour: 'amber' } });
    expect(run?.event).toEqual({
      callId: 'c-colour',
      name: 'colour',
      arguments: { lamp: 'desk' },
      outcome: { ok: true, result: { lamp: 'desk', colour: 'amber' } },
    });
  });

  it('reports a throwing handler as ERR_TOOL_FAILED with its message', async () => {
    const run = await runner().run(call('broken'));
    expect(run?.result).toEqual({ callId: 'c-broken', ok: false, error: 'the lamp is unplugged' });
    expect(run?.event.outcome).toEqual({
      ok: false,
      code: 'ERR_TOOL_FAILED',
      error: 'the lamp is unplugged',
    });
  });

  it('times out a handler that never answers, aborting its signal', async () => {
    const r = runner();
    let seen: AbortSignal | null = null;
    r.withTool(
      'watching',
      params,
      (_a, { signal }) => {
        seen = signal;
        return new Promise(() => undefined);
      },
      { description: 'd', timeoutMs: 1500 },
    ).commit();
    const pending = r.run(call('watching'));
    await vi.advanceTimersByTimeAsync(1499);
    expect(r.running).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    const run = await pending;
    expect(run?.result).toEqual({ callId: 'c-watching', ok: false, error: 'timed out after 1500 ms' });
    expect(run?.event.outcome).toMatchObject({ ok: false, code: 'ERR_TOOL_TIMEOUT' });
    expect((seen as AbortSignal | null)?.aborted).toBe(true);
    expect(r.running).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("uses the server's timeout when it is shorter than the tool's", async () => {
    const pending = runner().run(call('forever', 700));
    await vi.advanceTimersByTimeAsync(700);
    expect((await pending)?.result).toMatchObject({ ok: false, error: 'timed out after 700 ms' });
  });

  it('stop() (hang-up) aborts running handlers and answers nothing', async () => {
    const r = runner();
    let signal: AbortSignal | null = null;
    r.withTool(
      'slow',
      params,
      (_a, ctx) => {
        signal = ctx.signal;
        return new Promise(() => undefined);
      },
      { description: 'd' },
    ).commit();
    const pending = r.run(call('slow'));
    await vi.advanceTimersByTimeAsync(10);
    r.stop();
    expect(await pending).toBeNull();
    expect((signal as AbortSignal | null)?.aborted).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('refuses an unknown tool, a value that is not JSON, and a bad registration', async () => {
    const r = runner();
    expect((await r.run(call('nope')))?.event.outcome).toMatchObject({ ok: false, code: 'ERR_TOOL_FAILED' });
    r.withTool(
      'cycle',
      params,
      () => {
        const o: Record<string, unknown> = {};
        o.self = o;
        return o;
      },
      { description: 'd' },
    ).commit();
    expect((await r.run(call('cycle')))?.result).toMatchObject({
      ok: false,
      error: expect.stringContaining('not JSON'),
    });
    expect(() => r.withTool('bad name', params, () => 1, { description: 'd' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_MESSAGE' }),
    );
    expect(() => r.withTool('x', params, () => 1, { description: 'd', timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    // Nothing is kept until commit.
    r.withTool('uncommitted', params, () => 1, { description: 'd' });
    expect(r.wire().map((t) => t.name)).not.toContain('uncommitted');
    r.without('broken').commit();
    expect(r.wire().map((t) => t.name)).toEqual(['colour', 'forever', 'cycle']);
  });
});
