import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LlmImage } from '../../models/roles/llm.js';
import type { AssistantPort } from '../../pipelines/assistant/port.js';
import { MAX_CLIENT_TOOLS, MAX_IMAGE_BYTES, MAX_TEXT_CHARS } from '../../protocol/messages.js';
import type { SightlineServer } from '../../server/app.js';
import type { Call } from '../../server/call/call.js';
import { RawClient, type Reply, issueToken as token } from '../helpers/rawClient.js';
import { RecordingAssistant } from '../helpers/recordingAssistant.js';
import { captureLog, startTestServer, waitFor } from '../helpers/server.js';

/** A 40×20 PNG: left half red, right half blue. */
async function halvesPng(format: 'png' | 'jpeg' = 'png'): Promise<Buffer> {
  const w = 40;
  const h = 20;
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < w * h; i++) {
    const left = i % w < w / 2;
    raw[i * 3] = left ? 255 : 0;
    raw[i * 3 + 2] = left ? 0 : 255;
  }
  const img = sharp(raw, { raw: { width: w, height: h, channels: 3 } });
  return format === 'png' ? img.png().toBuffer() : img.jpeg().toBuffer();
}

const TOOL = {
  name: 'set_light',
  description: 'Turns the room light on or off.',
  parameters: { type: 'object', properties: { on: { type: 'boolean' } }, required: ['on'] },
};

function expectError(reply: Reply, code: string, field?: string): void {
  expect(reply.ok, JSON.stringify(reply)).toBe(false);
  expect(reply.error?.code).toBe(code);
  if (field) expect(reply.error?.message).toContain(field);
}

describe('assistant signaling: sendText, sendImage, registerTools, toolResult', () => {
  let server: SightlineServer;
  let png: string;
  const captured = captureLog('debug');
  beforeAll(async () => {
    server = await startTestServer({}, { log: captured.log });
    png = (await halvesPng()).toString('base64');
  });
  afterAll(() => server.close());
  afterEach(() => {
    // A client's mistake (and the assistant's deliberate refusal) is no server fault: no error logs, no stacks.
    const errors = captured.at('error').filter((r) => !JSON.stringify(r).includes('boom inside the dialog'));
    captured.records.length = 0;
    expect(errors).toEqual([]);
  });

  /** A joined client and its call, with `assistant` attached (or none). */
  async function joined(assistant: AssistantPort | null): Promise<{ c: RawClient; call: Call }> {
    const c = await RawClient.open(server.url);
    const callPromise = new Promise<Call>((resolve) => server.calls.once('call', resolve));
    expect((await c.request('join', { token: await token(server) })).ok).toBe(true);
    const call = await callPromise;
    call.assistant = assistant;
    return { c, call };
  }

  it('refuses every new method before join with ERR_NOT_JOINED', async () => {
    const c = await RawClient.open(server.url);
    expectError(await c.request('sendText', { text: 'hello' }), 'ERR_NOT_JOINED');
    expectError(await c.request('sendImage', { mimeType: 'image/png', dataBase64: png }), 'ERR_NOT_JOINED');
    expectError(await c.request('registerTools', { tools: [TOOL] }), 'ERR_NOT_JOINED');
    expectError(await c.request('toolResult', { callId: 'c1', ok: true, result: 1 }), 'ERR_NOT_JOINED');
    c.close();
  });

  it('refuses them with ERR_ASSISTANT_UNAVAILABLE when the call has no assistant (models missing)', async () => {
    const { c } = await joined(null);
    expectError(await c.request('sendText', { text: 'hello' }), 'ERR_ASSISTANT_UNAVAILABLE');
    expectError(
      await c.request('sendImage', { mimeType: 'image/png', dataBase64: png }),
      'ERR_ASSISTANT_UNAVAILABLE',
    );
    expectError(await c.request('registerTools', { tools: [TOOL] }), 'ERR_ASSISTANT_UNAVAILABLE');
    expectError(await c.request('toolResult', { callId: 'c1', ok: true }), 'ERR_ASSISTANT_UNAVAILABLE');
    expect((await c.request('ping')).ok).toBe(true);
    c.close();
  });

  it('refuses malformed payloads with ERR_INVALID_MESSAGE naming the field, and nothing reaches the assistant', async () => {
    const fake = new RecordingAssistant();
    const { c } = await joined(fake);
    const many = Array.from({ length: MAX_CLIENT_TOOLS + 1 }, (_, i) => ({ ...TOOL, name: `t${i}` }));
    const cases: [string, unknown, string][] = [
      ['sendText', {}, 'text'],
      ['sendText', { text: '' }, 'text'],
      ['sendText', { text: '   \n ' }, 'text'],
      ['sendText', { text: 'x'.repeat(MAX_TEXT_CHARS + 1) }, 'text'],
      ['sendText', { text: 'hi', extra: 1 }, 'unrecognized_keys'],
      ['sendImage', { mimeType: 'image/gif', dataBase64: png }, 'mimeType'],
      ['sendImage', { mimeType: 'image/png' }, 'dataBase64'],
      ['sendImage', { mimeType: 'image/png', dataBase64: png, text: 5 }, 'text'],
      ['registerTools', {}, 'tools'],
      ['registerTools', { tools: [{ ...TOOL, name: 'set light!' }] }, 'tools.0.name'],
      ['registerTools', { tools: [TOOL, { ...TOOL, name: 'x', description: '' }] }, 'tools.1.description'],
      ['registerTools', { tools: [{ ...TOOL, parameters: { type: 'array' } }] }, 'tools.0.parameters.type'],
      ['registerTools', { tools: many }, 'tools'],
      ['toolResult', { callId: '', ok: true }, 'callId'],
      ['toolResult', { callId: 'c1', ok: 'yes' }, 'ok'],
      ['toolResult', { callId: 'c1', ok: false, error: 'e'.repeat(2001) }, 'error'],
    ];
    for (const [method, data, field] of cases) {
      const reply = await c.request(method, data);
      expectError(reply, 'ERR_INVALID_MESSAGE', field);
    }
    expect(fake.touched).toBe(0);
    c.close();
  });

  it('passes a typed message to the assistant and answers with its turn id', async () => {
    const fake = new RecordingAssistant();
    const { c } = await joined(fake);
    const reply = await c.request('sendText', { text: '  what is on my desk?  ' });
    expect(reply).toMatchObject({ ok: true, data: { turnId: 'turn-1' } });
    expect(fake.texts).toEqual(['what is on my desk?']);
    c.close();
  });

  it('decodes a still image to full-resolution RGB before it reaches the assistant', async () => {
    const fake = new RecordingAssistant();
    const { c } = await joined(fake);
    const reply = await c.request('sendImage', {
      mimeType: 'image/png',
      dataBase64: png,
      text: 'what colours are these?',
    });
    expect(reply).toMatchObject({ ok: true, data: { turnId: 'turn-1', width: 40, height: 20 } });
    expect(fake.images).toHaveLength(1);
    const { image, text } = fake.images[0] as { image: LlmImage; text: string | undefined };
    expect(text).toBe('what colours are these?');
    expect([image.width, image.height, image.rgb.length]).toEqual([40, 20, 40 * 20 * 3]);
    const at = (x: number, y: number) => [...image.rgb.subarray((y * 40 + x) * 3, (y * 40 + x) * 3 + 3)];
    expect(at(5, 10)).toEqual([255, 0, 0]);
    expect(at(35, 10)).toEqual([0, 0, 255]);
    // Without a question, or with a blank one, the assistant gets none (it describes the image).
    await c.request('sendImage', { mimeType: 'image/png', dataBase64: png, text: '  ' });
    expect(fake.images[1]?.text).toBeUndefined();
    c.close();
  });

  it('refuses a mislabelled, garbage or too-large image with a clear code, and the connection goes on', async () => {
    const fake = new RecordingAssistant();
    const { c } = await joined(fake);
    expectError(
      await c.request('sendImage', { mimeType: 'image/jpeg', dataBase64: png }),
      'ERR_IMAGE_FORMAT',
      'png',
    );
    const jpeg = (await halvesPng('jpeg')).toString('base64');
    expectError(
      await c.request('sendImage', { mimeType: 'image/webp', dataBase64: jpeg }),
      'ERR_IMAGE_FORMAT',
    );
    const garbage = Buffer.from('this is not an image, just words').toString('base64');
    expectError(
      await c.request('sendImage', { mimeType: 'image/png', dataBase64: garbage }),
      'ERR_IMAGE_FORMAT',
    );
    // One byte over the limit: the base64 fits the schema's bound, the decoded size does not.
    const over = Buffer.concat([await halvesPng(), Buffer.alloc(MAX_IMAGE_BYTES + 1)]).subarray(
      0,
      MAX_IMAGE_BYTES + 1,
    );
    expectError(
      await c.request('sendImage', { mimeType: 'image/png', dataBase64: over.toString('base64') }),
      'ERR_IMAGE_TOO_LARGE',
      String(MAX_IMAGE_BYTES),
    );
    // Far over: the message itself is refused unread.
    // Over the message limit but under the socket's frame limit (past that, the socket itself closes).
    const huge = Buffer.alloc(MAX_IMAGE_BYTES + 16 * 1024).toString('base64');
    const hugeReply = await c.sendRaw(
      JSON.stringify({
        v: 1,
        kind: 'request',
        id: 1,
        method: 'sendImage',
        data: { mimeType: 'image/png', dataBase64: huge },
      }),
    );
    expectError(hugeReply, 'ERR_MESSAGE_TOO_LARGE');
    expect(fake.touched).toBe(0);
    expect((await c.request('ping')).ok).toBe(true);
    c.close();
  });

  it('registers client tools (replacing earlier ones) and refuses built-in names, duplicates and invalid schemas', async () => {
    const fake = new RecordingAssistant();
    const { c } = await joined(fake);
    const other = { ...TOOL, name: 'get_weather', parameters: { type: 'object', properties: {} } };
    expect(await c.request('registerTools', { tools: [TOOL, other] })).toMatchObject({
      ok: true,
      data: { registered: 2 },
    });
    expect(fake.toolLists).toEqual([[TOOL, other]]);
    expect((await c.request('registerTools', { tools: [] })).data).toEqual({ registered: 0 });
    expect(fake.toolLists[1]).toEqual([]);

    expectError(
      await c.request('registerTools', { tools: [TOOL, { ...TOOL, name: 'look_closer' }] }),
      'ERR_INVALID_MESSAGE',
      'tools.1.name',
    );
    expectError(
      await c.request('registerTools', { tools: [{ ...TOOL, name: 'read_text' }] }),
      'ERR_INVALID_MESSAGE',
      'built-in',
    );
    expectError(await c.request('registerTools', { tools: [TOOL, TOOL] }), 'ERR_INVALID_MESSAGE', 'twice');
    expectError(
      await c.request('registerTools', {
        tools: [{ ...TOOL, parameters: { type: 'object', properties: { on: { type: 'nope' } } } }],
      }),
      'ERR_INVALID_MESSAGE',
      'tools.0.parameters',
    );
    expect(fake.toolLists).toHaveLength(2);
    c.close();
  });

  it("passes a tool's outcome to the assistant; an unknown call id is ERR_NOT_FOUND", async () => {
    const fake = new RecordingAssistant();
    const { c } = await joined(fake);
    fake.openCalls.add('call-1').add('call-2').add('call-3');
    expect((await c.request('toolResult', { callId: 'call-1', ok: true, result: { lux: 300 } })).ok).toBe(
      true,
    );
    expect((await c.request('toolResult', { callId: 'call-2', ok: false, error: 'no light here' })).ok).toBe(
      true,
    );
    expect((await c.request('toolResult', { callId: 'call-3', ok: false })).ok).toBe(true);
    expect(fake.results).toEqual([
      { callId: 'call-1', outcome: { ok: true, result: { lux: 300 } } },
      { callId: 'call-2', outcome: { ok: false, error: 'no light here' } },
      { callId: 'call-3', outcome: { ok: false, error: 'the tool failed' } },
    ]);
    expectError(await c.request('toolResult', { callId: 'call-1', ok: true }), 'ERR_NOT_FOUND');
    c.close();
  });

  it('a fault inside the assistant reaches the client as ERR_INTERNAL and the call goes on', async () => {
    const fake = new RecordingAssistant();
    const { c, call } = await joined(fake);
    fake.failNext = new Error('boom inside the dialog');
    const reply = await c.request('sendText', { text: 'hello' });
    expectError(reply, 'ERR_INTERNAL');
    expect(reply.error?.message).not.toContain('boom');
    expect((await c.request('sendText', { text: 'hello again' })).ok).toBe(true);
    expect(call.closed).toBe(false);
    c.close();
  });

  it('pushes what the assistant emits on the call to the client as protocol events', async () => {
    const { c, call } = await joined(new RecordingAssistant());
    call.emit('push', 'tool_call', {
      callId: 'k1',
      name: 'set_light',
      arguments: { on: true },
      timeoutMs: 5000,
    });
    call.emit('push', 'reply', {
      turnId: 't1',
      text: 'Hello',
      final: false,
      playedMs: 400,
      interrupted: false,
    });
    const events = await waitFor(
      () => {
        const e = c.messages.filter(
          (m) => m.kind === 'event' && (m.event === 'tool_call' || m.event === 'reply'),
        );
        return e.length === 2 ? e : undefined;
      },
      3000,
      'the pushed events',
    );
    expect(events.map((e) => e.event)).toEqual(['tool_call', 'reply']);
    expect(events[0]?.data).toMatchObject({ callId: 'k1', arguments: { on: true } });
    c.close();
  });
});
