import { describe, expect, it } from 'vitest';
import type { LlmMessage } from '../../../../models/roles/llm.js';
import type { FakeLlmReply } from '../../../../pipelines/testing/fakes/fakeLlm.js';
import { FakeOcr } from '../../../../pipelines/testing/fakes/fakeOcr.js';
import { finals, makeAssistant } from './assistantHarness.js';

const WEATHER = {
  name: 'get_weather',
  description: 'The weather in a city.',
  parameters: { type: 'object' as const, properties: { city: { type: 'string' } }, required: ['city'] },
};

/** The results the model was given (tool messages), as text. */
const toolResults = (messages: LlmMessage[]) =>
  messages
    .filter((m) => m.role === 'tool')
    .map((m) => (m.content[0]?.type === 'text' ? m.content[0].text : ''));

/** Asks for `call` first, then answers with what the last tool result said. */
const callThenAnswer =
  (call: FakeLlmReply) =>
  (messages: LlmMessage[], i: number): FakeLlmReply =>
    i === 0 ? call : `Result: ${toolResults(messages).at(-1) ?? 'none'}.`;

describe('tools', () => {
  for (const nativeTools of [true, false]) {
    it(`round trip with a client tool (${nativeTools ? 'native' : 'local format'})`, async () => {
      const h = makeAssistant({
        llm: {
          nativeTools,
          reply: callThenAnswer([
            { text: 'Let me check.' },
            { toolCall: { name: 'get_weather', arguments: { city: 'Paris' } } },
          ]),
        },
      });
      h.assistant.registerTools([WEATHER]);
      h.assistant.sendText('Weather in Paris?');
      await h.runUntil(100);
      expect(h.rec.toolCalls).toEqual([
        { callId: 'call-1', name: 'get_weather', arguments: { city: 'Paris' }, timeoutMs: 8000 },
      ]);
      // "Let me check." is spoken while the tool runs.
      expect(h.tts.requests.map((r) => r.text)).toEqual(['Let me check.']);
      h.assistant.toolResult('call-1', { ok: true, result: { tempC: 21 } });
      await h.runUntil(5000);
      expect(toolResults(h.llm.requests[1]?.messages ?? [])).toEqual(['{"result":{"tempC":21}}']);
      expect(finals(h.rec)[0]?.text).toBe('Let me check. Result: {"result":{"tempC":21}}.');
      expect(() => h.assistant.toolResult('call-1', { ok: true, result: 1 })).toThrow(
        expect.objectContaining({ code: 'ERR_NOT_FOUND' }),
      );
      const offered = h.llm.requests[0]?.options.tools?.map((t) => t.name);
      const system = JSON.stringify(h.llm.requests[0]?.messages[0]);
      if (nativeTools) {
        expect(offered).toEqual(['look_closer', 'read_text', 'current_time', 'get_weather']);
        expect(system).not.toContain('<tool_call>');
      } else {
        expect(offered).toBeUndefined();
        expect(system).toContain('<tool_call>');
        expect(system).toContain('get_weather');
      }
    });
  }

  it('a client that never answers: after the timeout the model is told {"error":"timeout"} and the turn goes on', async () => {
    const h = makeAssistant({
      llm: { reply: callThenAnswer([{ toolCall: { name: 'get_weather', arguments: { city: 'Oslo' } } }]) },
      options: { clientToolTimeoutMs: 3000 },
    });
    h.assistant.registerTools([WEATHER]);
    h.assistant.sendText('Weather in Oslo?');
    await h.runUntil(2999);
    expect(h.llm.requests).toHaveLength(1);
    await h.runUntil(8000);
    expect(toolResults(h.llm.requests[1]?.messages ?? [])).toEqual(['{"error":"timeout"}']);
    expect(finals(h.rec)[0]).toMatchObject({ text: 'Result: {"error":"timeout"}.', interrupted: false });
    expect(() => h.assistant.toolResult('call-1', { ok: true, result: 1 })).toThrow(
      expect.objectContaining({ code: 'ERR_NOT_FOUND' }),
    );
  });

  it('arguments that fail the schema are refused: the tool is not run, the model is told why', async () => {
    const h = makeAssistant({
      llm: { reply: callThenAnswer([{ toolCall: { name: 'get_weather', arguments: { town: 'Oslo' } } }]) },
    });
    h.assistant.registerTools([WEATHER]);
    h.assistant.sendText('Weather?');
    await h.runUntil(5000);
    expect(h.rec.toolCalls).toEqual([]);
    expect(toolResults(h.llm.requests[1]?.messages ?? [])[0]).toMatch(/invalid arguments.*city/);
  });

  it('malformed local tool output is never run; the model is told once and the turn goes on', async () => {
    const replies: FakeLlmReply[] = [
      'One moment. <tool_call>{"name": "get_weather", "arguments": {"city": "Oslo"}',
      '<tool_call>{"name": "get_weather", "arguments": "Oslo"}</tool_call>',
    ];
    const h = makeAssistant({ llm: { reply: (_m, i) => replies[i] ?? 'never' } });
    h.assistant.registerTools([WEATHER]);
    h.assistant.sendText('Weather?');
    await h.runUntil(5000);
    expect(h.rec.toolCalls).toEqual([]);
    expect(h.llm.requests).toHaveLength(2); // told once; the second malformed call ends the turn
    const told = JSON.stringify(h.llm.requests[1]?.messages.at(-1));
    expect(told).toContain('not run');
    expect(finals(h.rec)).toMatchObject([{ text: 'One moment.', interrupted: false }]);
    expect(h.rec.states.at(-1)?.state).toBe('listening');
  });

  it('current_time gives the ISO time and the call time', async () => {
    const h = makeAssistant({
      llm: { reply: callThenAnswer([{ toolCall: { name: 'current_time', arguments: {} } }]) },
      options: { callStartMs: -65_000 },
    });
    h.assistant.sendText('What time is it?');
    await h.runUntil(3000);
    expect(JSON.parse(toolResults(h.llm.requests[1]?.messages ?? [])[0] ?? '')).toEqual({
      iso: '2025-01-02T03:04:05.000Z',
      callElapsed: '01:05',
    });
  });

  it('look_closer puts the newest full-resolution frame in the next generation; read_text reads it', async () => {
    const ocr = new FakeOcr({
      lines: [{ text: 'EXIT', confidence: 0.9, box: { x: 0, y: 0, width: 4, height: 2 } }],
    });
    const h = makeAssistant({
      llm: {
        reply: (m, i) =>
          i === 0
            ? [{ toolCall: { name: 'look_closer', arguments: {} } }]
            : i === 1
              ? [{ toolCall: { name: 'read_text', arguments: {} } }]
              : `Seen: ${toolResults(m).join(' | ')}`,
      },
      models: { ocr },
    });
    const frame = {
      ptsMs: 61_000,
      width: 1280,
      height: 720,
      rgb: Buffer.alloc(1280 * 720 * 3),
      receivedAtMs: 0,
    };
    void h.assistant.watch(
      (async function* () {
        yield frame;
      })(),
    );
    h.assistant.sendText('What does the sign say?');
    await h.runUntil(5000);
    const second = h.llm.requests[1]?.messages ?? [];
    const image = second.at(-1)?.content.find((p) => p.type === 'image');
    expect(image).toMatchObject({ image: { width: 1280, height: 720 } });
    expect(ocr.requests).toEqual([{ width: 1280, height: 720 }]);
    expect(toolResults(h.llm.requests[2]?.messages ?? [])[1]).toBe(
      '{"frameAt":"01:01","text":"EXIT","lines":1}',
    );
  });

  it('read_text without an OCR model says so clearly', async () => {
    const h = makeAssistant({
      llm: { reply: callThenAnswer([{ toolCall: { name: 'read_text', arguments: {} } }]) },
    });
    h.assistant.sendText('Read it');
    await h.runUntil(3000);
    expect(toolResults(h.llm.requests[1]?.messages ?? [])[0]).toContain('no OCR');
  });

  it('registerTools refuses a built-in name', () => {
    const h = makeAssistant();
    expect(() => h.assistant.registerTools([{ ...WEATHER, name: 'read_text' }])).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
  });
});
