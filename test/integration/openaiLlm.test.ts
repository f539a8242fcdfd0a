import { createServer } from 'node:net';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiLlm } from '../../models/remote/openaiLlm.js';
import type { LlmImage, LlmMessage, LlmToken, LlmTool } from '../../models/roles/llm.js';
import { collect } from '../helpers/collect.js';
import { OpenAiTestServer } from '../helpers/openAiServer.js';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await OpenAiTestServer.start();
});
afterAll(() => server.close());
afterEach(() => {
  server.requests.length = 0;
  server.chat.length = 0;
});

const ASK: LlmMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'Say something.' }] }];
const llm = (extra: Partial<ConstructorParameters<typeof OpenAiLlm>[0]> = {}) =>
  new OpenAiLlm({ baseUrl: server.baseUrl, model: 'test-model', stallMs: 200, ...extra });
const textOf = (tokens: LlmToken[]) => tokens.map((t) => t.text).join('');
const lastBody = () => server.requestsTo('/chat/completions').at(-1)!.body;

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function solid(width: number, height: number, rgb: [number, number, number]): LlmImage {
  const px = new Uint8Array(width * height * 3);
  for (let i = 0; i < px.length; i += 3) px.set(rgb, i);
  return { rgb: px, width, height };
}

/** Decodes a `data:image/jpeg;base64,…` URL: its size and mean colour. */
async function decodeDataUrl(url: string) {
  expect(url).toMatch(/^data:image\/jpeg;base64,/);
  const jpeg = Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  const mean = [0, 1, 2].map((c) => {
    let s = 0;
    for (let i = c; i < data.length; i += info.channels) s += data[i]!;
    return s / (data.length / info.channels);
  });
  return { width: info.width, height: info.height, mean };
}

describe('OpenAiLlm: streaming chat completions', () => {
  it('streams the text deltas in order and sends model, messages, max_tokens, temperature and usage request', async () => {
    const tokens = await collect(llm().generate(ASK, { maxNewTokens: 5 }));
    expect(tokens.map((t) => t.text)).toEqual(['The', ' door', ' is', ' red', ' and']);
    const req = server.requestsTo('/chat/completions');
    expect(req).toHaveLength(1);
    expect(req[0]!.method).toBe('POST');
    expect(req[0]!.body).toMatchObject({
      model: 'test-model',
      stream: true,
      max_tokens: 5,
      temperature: 0,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Say something.' }] }],
    });
    expect(req[0]!.body).not.toHaveProperty('tools');
  });

  it('passes a chosen temperature through and leaves max_tokens out when no limit is set', async () => {
    await collect(llm().generate(ASK, { temperature: 0.7 }));
    expect(lastBody().temperature).toBe(0.7);
    expect(lastBody()).not.toHaveProperty('max_tokens');
  });

  it('reports the usage the server gave for the last request', async () => {
    const model = llm();
    expect(model.lastUsage).toBeNull();
    server.chat.push({ text: ['Hi', '.'], usage: { prompt_tokens: 31, completion_tokens: 2 } });
    await collect(model.generate(ASK));
    expect(model.lastUsage).toEqual({ promptTokens: 31, completionTokens: 2 });
  });

  it('sends no Authorization header without a key, and a Bearer header with one', async () => {
    const saved = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = 'sk-from-the-environment';
    try {
      await collect(llm().generate(ASK, { maxNewTokens: 1 }));
      expect(server.requests.at(-1)!.headers.authorization).toBeUndefined();
      await collect(llm({ apiKey: 'sk-test-123' }).generate(ASK, { maxNewTokens: 1 }));
      expect(server.requests.at(-1)!.headers.authorization).toBe('Bearer sk-test-123');
    } finally {
      if (saved === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = saved;
    }
  });

  it('sends a still image and each frame of a clip as a JPEG data URL, each frame after its time', async () => {
    const messages: LlmMessage[] = [
      { role: 'system', content: [{ type: 'text', text: 'You see the camera.' }] },
      {
        role: 'user',
        content: [
          { type: 'image', image: solid(40, 30, [250, 10, 10]) },
          {
            type: 'video',
            frames: [
              { ...solid(32, 24, [10, 250, 10]), ptsMs: 1_500 },
              { ...solid(32, 24, [10, 10, 250]), ptsMs: 754_000 },
            ],
          },
          { type: 'text', text: 'What changed?' },
        ],
      },
    ];
    await collect(llm().generate(messages, { maxNewTokens: 2 }));
    const [system, user] = lastBody().messages as { role: string; content: unknown }[];
    expect(system).toEqual({ role: 'system', content: 'You see the camera.' });
    const parts = user!.content as { type: string; text?: string; image_url?: { url: string } }[];
    expect(parts.map((p) => (p.type === 'text' ? p.text : 'IMAGE'))).toEqual([
      'IMAGE',
      'Frame from 00:01:',
      'IMAGE',
      'Frame from 12:34:',
      'IMAGE',
      'What changed?',
    ]);
    const images = await Promise.all(
      parts.filter((p) => p.image_url).map((p) => decodeDataUrl(p.image_url!.url)),
    );
    expect(images.map((i) => [i.width, i.height])).toEqual([
      [40, 30],
      [32, 24],
      [32, 24],
    ]);
    // Each image is the one given (the colour survives JPEG): red, then green, then blue.
    expect(images.map((i) => i.mean.indexOf(Math.max(...i.mean)))).toEqual([0, 1, 2]);
  });

  it('refuses an image whose pixels do not match its size, before any request', async () => {
    const bad: LlmMessage[] = [
      { role: 'user', content: [{ type: 'image', image: { rgb: new Uint8Array(10), width: 4, height: 4 } }] },
    ];
    await expect(collect(llm().generate(bad))).rejects.toMatchObject({ code: 'ERR_MODEL_INPUT' });
    expect(server.requests).toHaveLength(0);
  });
});

describe('OpenAiLlm: tools', () => {
  const TOOLS: LlmTool[] = [
    {
      name: 'look_closer',
      description: 'A full-resolution frame now.',
      parameters: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'] },
    },
    { name: 'current_time', description: 'The time now.', parameters: { type: 'object', properties: {} } },
  ];

  it('sends tool definitions and yields each streamed call once, whole, after the text', async () => {
    server.chat.push({
      text: ['Let me', ' look.'],
      toolCalls: [
        { id: 'call_a', name: 'look_closer', argumentPieces: ['{"rea', 'son": "the s', 'ign"}'] },
        { id: 'call_b', name: 'current_time', argumentPieces: ['{', '}'] },
      ],
    });
    const tokens = await collect(llm().generate(ASK, { tools: TOOLS }));
    expect(tokens).toEqual([
      { text: 'Let me' },
      { text: ' look.' },
      { text: '', toolCall: { id: 'call_a', name: 'look_closer', arguments: '{"reason": "the sign"}' } },
      { text: '', toolCall: { id: 'call_b', name: 'current_time', arguments: '{}' } },
    ]);
    expect(lastBody().tools).toEqual([
      { type: 'function', function: TOOLS[0] },
      { type: 'function', function: TOOLS[1] },
    ]);
  });

  it('yields the calls at the end of the stream from a server that finishes them with "stop" (Ollama)', async () => {
    server.chat.push({
      text: [],
      finishReason: 'stop',
      toolCalls: [{ id: 'call_t', name: 'current_time', argumentPieces: ['{}'] }],
    });
    expect(await collect(llm().generate(ASK, { tools: TOOLS }))).toEqual([
      { text: '', toolCall: { id: 'call_t', name: 'current_time', arguments: '{}' } },
    ]);
  });

  it('sends an assistant turn with its tool calls and the tool results back in the wire form', async () => {
    const history: LlmMessage[] = [
      ...ASK,
      {
        role: 'assistant',
        content: [],
        toolCalls: [{ id: 'call_a', name: 'current_time', arguments: '{}' }],
      },
      {
        role: 'tool',
        toolCallId: 'call_a',
        name: 'current_time',
        content: [{ type: 'text', text: '"10:42"' }],
      },
      { role: 'assistant', content: [{ type: 'text', text: 'It is 10:42.' }] },
    ];
    await collect(llm().generate(history, { tools: TOOLS, maxNewTokens: 1 }));
    expect((lastBody().messages as unknown[]).slice(1)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_a', type: 'function', function: { name: 'current_time', arguments: '{}' } }],
      },
      { role: 'tool', tool_call_id: 'call_a', content: '"10:42"' },
      { role: 'assistant', content: 'It is 10:42.' },
    ]);
  });

  it('fails with ERR_REMOTE_MODEL on a streamed tool call that has no function name', async () => {
    server.chat.push({ text: [], toolCalls: [{ id: 'call_x', name: '', argumentPieces: ['{}'] }] });
    await expect(collect(llm().generate(ASK, { tools: TOOLS }))).rejects.toMatchObject({
      code: 'ERR_REMOTE_MODEL',
      message: expect.stringContaining('without a function name'),
    });
  });
});

describe('OpenAiLlm: a server that fails', () => {
  it('HTTP 500: ERR_REMOTE_MODEL naming the server and the status', async () => {
    server.chat.push({ status: 500 });
    const error = await collect(llm().generate(ASK)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_REMOTE_MODEL', retryable: true });
    expect((error as Error).message).toContain(server.baseUrl);
    expect((error as Error).message).toContain('HTTP 500');
  });

  it('HTTP 401: names the status, never the key, even when the server echoes it', async () => {
    server.chat.push({ status: 401 });
    const error = await collect(llm({ apiKey: 'sk-very-secret-42' }).generate(ASK)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_REMOTE_MODEL' });
    expect((error as Error).message).toContain('HTTP 401');
    expect((error as Error).message).toContain('Incorrect API key provided');
    expect((error as Error).message).not.toContain('sk-very-secret-42');
    expect(JSON.stringify(error)).not.toContain('sk-very-secret-42');
  });

  it('connection refused: ERR_REMOTE_MODEL naming the server', async () => {
    const baseUrl = `http://127.0.0.1:${await closedPort()}/v1`;
    const error = await collect(new OpenAiLlm({ baseUrl, model: 'm' }).generate(ASK)).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'ERR_REMOTE_MODEL' });
    expect((error as Error).message).toContain(`${baseUrl} could not be reached`);
  });

  it('no response headers within timeoutMs: ERR_REMOTE_MODEL', async () => {
    server.chat.push({ headersDelayMs: 2_000 });
    await expect(collect(llm({ timeoutMs: 100 }).generate(ASK))).rejects.toMatchObject({
      code: 'ERR_REMOTE_MODEL',
      message: expect.stringContaining('did not answer in time'),
    });
  });

  it('a slow stream is not a stall: each chunk restarts the stallMs wait', async () => {
    // Six gaps of 100 ms: 600 ms in all, three times stallMs, never 200 ms without a chunk.
    server.chat.push({ text: ['One', ' two', ' three', ' four'], chunkDelayMs: 100 });
    expect(textOf(await collect(llm({ stallMs: 200 }).generate(ASK)))).toBe('One two three four');
  });

  it('a consumer that holds a token longer than stallMs is not a stalled server', async () => {
    // A speaker paced by playback pulls the next token seconds later; only waiting on the server counts.
    const got: string[] = [];
    for await (const t of llm({ stallMs: 200 }).generate(ASK, { maxNewTokens: 3 })) {
      got.push(t.text);
      await new Promise((r) => setTimeout(r, 400));
    }
    expect(got.join('')).toBe('The door is');
  });

  it.each([
    ['stalls longer than stallMs', 'stall', 'stopped sending for 200 ms'],
    ['drops the connection', 'drop', 'failed mid-answer'],
    ['sends malformed JSON in a data line', 'malformed', 'malformed'],
    ['ends without finishing the answer', 'truncate', 'ended the stream before the answer finished'],
  ] as const)(
    'a stream that %s mid-way: the tokens before it, then ERR_REMOTE_MODEL',
    async (_what, kind, words) => {
      server.chat.push({ text: ['One', ' two', ' three', ' four'], fault: { kind, afterChunks: 3 } });
      const got: LlmToken[] = [];
      const run = (async () => {
        for await (const t of llm().generate(ASK)) got.push(t);
      })();
      await expect(run).rejects.toMatchObject({
        code: 'ERR_REMOTE_MODEL',
        message: expect.stringContaining(words),
      });
      // Chunk 0 is the role chunk: two text chunks came before the fault.
      expect(textOf(got)).toBe('One two');
    },
  );
});

describe('OpenAiLlm: abort', () => {
  it('rejects with ERR_ABORTED promptly while waiting for the next chunk, long before any stall timeout', async () => {
    server.chat.push({ text: ['One', ' two'], fault: { kind: 'stall', afterChunks: 2 } });
    const ac = new AbortController();
    const it = llm({ stallMs: 600_000 }).generate(ASK, { signal: ac.signal })[Symbol.asyncIterator]();
    expect((await it.next()).value).toEqual({ text: 'One' });
    const pending = it.next();
    setTimeout(() => ac.abort(), 20);
    await expect(pending).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('rejects with ERR_ABORTED while waiting for the response headers, without waiting for them', {
    timeout: 10_000,
  }, async () => {
    server.chat.push({ headersDelayMs: 30_000 });
    const ac = new AbortController();
    const run = collect(llm().generate(ASK, { signal: ac.signal }));
    await server.received(1);
    ac.abort();
    await expect(run).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });

  it('sends nothing when aborted before the call', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(collect(llm().generate(ASK, { signal: ac.signal }))).rejects.toMatchObject({
      code: 'ERR_ABORTED',
    });
    expect(server.requests).toHaveLength(0);
  });
});
