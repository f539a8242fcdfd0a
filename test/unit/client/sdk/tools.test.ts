import { describe, expect, it } from 'vitest';
import { type ClientTool, runToolCall, toWireTools } from '../../../../client/sdk/tools.js';
import { MAX_CLIENT_TOOLS } from '../../../../protocol/limits.js';

const params = { type: 'object' as const, properties: { on: { type: 'boolean' } }, required: ['on'] };

function tool(name: string, handler: ClientTool['handler'] = () => 'ok'): ClientTool {
  return { name, description: `the ${name} tool`, parameters: params, handler };
}

function call(name: string, args: unknown = {}) {
  return { callId: 'c1', name, arguments: args, timeoutMs: 5000 };
}

describe('toWireTools', () => {
  it('sends name, description and schema, never the handler', () => {
    const wire = toWireTools([tool('set_light')]);
    expect(wire).toEqual([{ name: 'set_light', description: 'the set_light tool', parameters: params }]);
    expect(JSON.stringify(wire)).not.toContain('handler');
  });

  it('refuses what the server would refuse, naming the field', () => {
    const cases: [ClientTool[], string][] = [
      [[tool('bad name')], 'tools.0.name'],
      [[tool('ok'), tool('look_closer')], 'tools.1.name'],
      [[tool('a'), tool('a')], 'twice'],
      [
        [{ ...tool('a'), parameters: { type: 'array' } as unknown as ClientTool['parameters'] }],
        'tools.0.parameters',
      ],
      [[{ ...tool('a'), handler: undefined as unknown as ClientTool['handler'] }], 'tools.0.handler'],
      [Array.from({ length: MAX_CLIENT_TOOLS + 1 }, (_, i) => tool(`t${i}`)), 'at most'],
    ];
    for (const [tools, field] of cases) {
      expect(() => toWireTools(tools)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_MESSAGE' }));
      expect(() => toWireTools(tools)).toThrow(field);
    }
  });
});

describe('runToolCall', () => {
  it("answers with the handler's value, called with the call's arguments", async () => {
    const seen: unknown[] = [];
    const tools = new Map([
      [
        'set_light',
        tool('set_light', async (args) => {
          seen.push(args);
          return { lux: 300, at: new Date(0) };
        }),
      ],
    ]);
    expect(await runToolCall(call('set_light', { on: true }), tools)).toEqual({
      callId: 'c1',
      ok: true,
      // Sent as JSON: a Date becomes its string.
      result: { lux: 300, at: '1970-01-01T00:00:00.000Z' },
    });
    expect(seen).toEqual([{ on: true }]);
  });

  it('answers null for a handler that returns nothing', async () => {
    const tools = new Map([['noop', tool('noop', () => undefined)]]);
    expect(await runToolCall(call('noop'), tools)).toEqual({ callId: 'c1', ok: true, result: null });
  });

  it('reports a handler that throws or rejects as a failure with its message', async () => {
    const tools = new Map([
      [
        'sync',
        tool('sync', () => {
          throw new Error('no light in this room');
        }),
      ],
      ['async', tool('async', () => Promise.reject(new Error('offline')))],
      [
        'odd',
        tool('odd', () => {
          throw 'x'.repeat(5000);
        }),
      ],
    ]);
    expect(await runToolCall(call('sync'), tools)).toEqual({
      callId: 'c1',
      ok: false,
      error: 'no light in this room',
    });
    expect(await runToolCall(call('async'), tools)).toEqual({ callId: 'c1', ok: false, error: 'offline' });
    const odd = await runToolCall(call('odd'), tools);
    expect(odd.ok).toBe(false);
    expect(odd.error?.length).toBe(2000);
  });

  it('reports an unknown tool and a value that is not JSON as failures', async () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const tools = new Map([
      ['cyclic', tool('cyclic', () => cyclic)],
      ['big', tool('big', () => 10n)],
    ]);
    expect(await runToolCall(call('nope'), tools)).toMatchObject({
      ok: false,
      error: expect.stringContaining('nope'),
    });
    expect(await runToolCall(call('cyclic'), tools)).toMatchObject({
      ok: false,
      error: expect.stringContaining('JSON'),
    });
    expect(await runToolCall(call('big'), tools)).toMatchObject({ ok: false });
  });
});
