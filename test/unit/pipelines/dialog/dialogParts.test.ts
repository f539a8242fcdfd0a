import { describe, expect, it } from 'vitest';
import type { LlmToken } from '../../../../models/roles/llm.js';
import { isBackchannel } from '../../../../pipelines/dialog/bargeIn.js';
import { buildContext } from '../../../../pipelines/dialog/context.js';
import { History } from '../../../../pipelines/dialog/history.js';
import { scanToolCalls } from '../../../../pipelines/dialog/localToolFormat.js';
import { TurnStateMachine } from '../../../../pipelines/dialog/turnState.js';

async function scan(pieces: string[]) {
  async function* tokens(): AsyncGenerator<LlmToken> {
    for (const text of pieces) yield { text };
  }
  const out = [];
  for await (const item of scanToolCalls(tokens(), 'c1')) out.push(item);
  return out;
}

describe('turn state machine', () => {
  it('reports each change once and refuses an edge that does not exist', () => {
    const seen: string[] = [];
    const s = new TurnStateMachine((c) => seen.push(`${c.previous}>${c.state}`));
    s.to('user-speaking');
    s.to('user-speaking');
    s.to('thinking', 't1');
    s.to('speaking', 't1');
    s.to('interrupted', 't1');
    s.to('speaking', 't1');
    s.to('listening');
    expect(seen).toEqual([
      'listening>user-speaking',
      'user-speaking>thinking',
      'thinking>speaking',
      'speaking>interrupted',
      'interrupted>speaking',
      'speaking>listening',
    ]);
    expect(() => s.to('speaking', 't2')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
    expect(() => s.to('interrupted')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_STATE' }));
  });
});

describe('backchannels', () => {
  it.each([
    ['mhm', true],
    ['Mhm.', true],
    ['ok ok', true],
    ['Yeah, right.', true],
    ['uh-huh', true],
    ['', false],
    ['wait', false],
    ['ok stop', false],
    ['yeah but no', false],
  ])('%j → %s', (text, expected) => {
    expect(isBackchannel(text)).toBe(expected);
  });
});

describe('the local tool format', () => {
  it('passes text before the call on, split tags included, and parses the call strictly', async () => {
    const out = await scan([
      'Let me ',
      'look. <tool',
      '_call>{"name": "read_text", ',
      '"arguments": {}}</tool_call> ignored',
    ]);
    expect(out).toEqual([
      { type: 'text', text: 'Let me ' },
      { type: 'text', text: 'look. ' },
      { type: 'call', call: { id: 'c1', name: 'read_text', arguments: '{}' } },
    ]);
  });

  it.each([
    ['<tool_call>{"name": "x", "arguments": {}</tool_call>', 'not valid JSON'],
    ['<tool_call>{"name": "x"}</tool_call>', '"arguments" object'],
    ['<tool_call>{"name": "x", "arguments": {}, "id": 1}</tool_call>', 'other than'],
    ['<tool_call>["x"]</tool_call>', 'JSON object'],
    ['<tool_call>{"name": "x", "arguments": {}}', 'not closed'],
  ])('refuses %s', async (text, reason) => {
    const out = await scan([text]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ type: 'invalid' });
    expect((out[0] as { reason: string }).reason).toContain(reason);
  });

  it('leaves text that only looks like the start of a tag', async () => {
    expect(await scan(['a < b and <tool', ' is not a call'])).toEqual([
      { type: 'text', text: 'a < b and ' },
      { type: 'text', text: '<tool is not a call' },
    ]);
  });
});

describe('history and context', () => {
  it('keeps the newest within the budget and merges an unanswered person turn', () => {
    const h = new History({ maxTurns: 3, maxChars: 1000 });
    h.addUser('one');
    h.addAssistant('');
    h.addUser('two');
    h.addAssistant('answer');
    h.addUser('three');
    h.addAssistant('again');
    expect(h.entries.map((e) => e.text)).toEqual(['answer', 'three', 'again']);
    const small = new History({ maxTurns: 10, maxChars: 10 });
    small.addUser('a long first turn');
    small.addAssistant('ok');
    expect(small.entries.map((e) => e.text)).toEqual(['ok']);
  });

  it('puts the clip, the text seen and the image with the current turn, in that order', () => {
    const frame = { ptsMs: 65_000, rgb: new Uint8Array(3), width: 1, height: 1 };
    const image = { rgb: new Uint8Array(3), width: 1, height: 1 };
    const messages = buildContext({
      systemPrompt: 'Be brief.',
      toolPrompt: 'TOOLS',
      history: [
        { role: 'user', text: 'earlier', image },
        { role: 'assistant', text: 'yes' },
        { role: 'user', text: 'now', image },
      ],
      frames: [frame],
      ocr: [{ ptsMs: 61_000, text: 'EXIT' }],
      turnMessages: [],
    });
    expect(messages[0]).toEqual({ role: 'system', content: [{ type: 'text', text: 'Be brief.\n\nTOOLS' }] });
    expect(messages[1]?.content).toEqual([{ type: 'text', text: 'earlier' }]);
    expect(messages[3]?.content.map((p) => p.type)).toEqual(['video', 'text', 'image', 'text']);
    expect(messages[3]?.content[1]).toEqual({ type: 'text', text: 'Text seen on camera at 01:01: EXIT' });
  });
});
