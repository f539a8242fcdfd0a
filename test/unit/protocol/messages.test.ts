import { describe, expect, it } from 'vitest';
import {
  MAX_MESSAGE_BYTES,
  type Method,
  parseClientMessage,
  type RequestData,
  requestSchemas,
} from '../../../protocol/messages.js';

const ok = (method: string, data: unknown, id = 1) =>
  JSON.stringify({ v: 1, kind: 'request', id, method, data });

describe('parseClientMessage', () => {
  const rejected: [string, string | Buffer, string, number | null][] = [
    ['not JSON', '{"v":1,', 'ERR_BAD_JSON', null],
    ['binary garbage', Buffer.from([0xff, 0xfe, 0x00]), 'ERR_BAD_JSON', null],
    ['a JSON array', '[1,2]', 'ERR_INVALID_MESSAGE', null],
    ['a JSON string', '"join"', 'ERR_INVALID_MESSAGE', null],
    ['null', 'null', 'ERR_INVALID_MESSAGE', null],
    [
      'oversized',
      JSON.stringify({
        v: 1,
        kind: 'request',
        id: 1,
        method: 'ping',
        data: { pad: 'x'.repeat(MAX_MESSAGE_BYTES) },
      }),
      'ERR_MESSAGE_TOO_LARGE',
      null,
    ],
    [
      'missing version',
      JSON.stringify({ kind: 'request', id: 3, method: 'ping', data: {} }),
      'ERR_UNSUPPORTED_VERSION',
      3,
    ],
    [
      'wrong version',
      JSON.stringify({ v: 2, kind: 'request', id: 4, method: 'ping', data: {} }),
      'ERR_UNSUPPORTED_VERSION',
      4,
    ],
    [
      'version as string',
      JSON.stringify({ v: '1', kind: 'request', id: 5, method: 'ping', data: {} }),
      'ERR_UNSUPPORTED_VERSION',
      5,
    ],
    [
      'unknown kind',
      JSON.stringify({ v: 1, kind: 'event', id: 6, method: 'ping', data: {} }),
      'ERR_UNKNOWN_TYPE',
      6,
    ],
    ['unknown method', ok('selfDestruct', {}, 7), 'ERR_UNKNOWN_TYPE', 7],
    ['prototype key as method', ok('__proto__', {}, 8), 'ERR_UNKNOWN_TYPE', 8],
    [
      'missing id',
      JSON.stringify({ v: 1, kind: 'request', method: 'ping', data: {} }),
      'ERR_INVALID_MESSAGE',
      null,
    ],
    ['negative id', ok('ping', {}, -1), 'ERR_INVALID_MESSAGE', null],
    ['fractional id', ok('ping', {}, 1.5), 'ERR_INVALID_MESSAGE', null],
    ['join without token', ok('join', {}, 9), 'ERR_INVALID_MESSAGE', 9],
    ['join with a numeric token', ok('join', { token: 42 }, 10), 'ERR_INVALID_MESSAGE', 10],
    ['join with an oversized token', ok('join', { token: 'x'.repeat(5000) }, 11), 'ERR_INVALID_MESSAGE', 11],
    ['unknown extra field', ok('ping', { extra: true }, 12), 'ERR_INVALID_MESSAGE', 12],
    [
      'bad transport direction',
      ok('createTransport', { direction: 'sideways' }, 13),
      'ERR_INVALID_MESSAGE',
      13,
    ],
    [
      'produce with bad kind',
      ok('produce', { transportId: 't', kind: 'smell', source: 'mic', rtpParameters: {} }, 14),
      'ERR_INVALID_MESSAGE',
      14,
    ],
    [
      'produce without rtpParameters',
      ok('produce', { transportId: 't', kind: 'audio', source: 'mic' }, 15),
      'ERR_INVALID_MESSAGE',
      15,
    ],
    [
      'connect with dtlsParameters as array',
      ok('connectTransport', { transportId: 't', dtlsParameters: [] }, 16),
      'ERR_INVALID_MESSAGE',
      16,
    ],
    ['empty transport id', ok('resumeConsumer', { consumerId: '' }, 17), 'ERR_INVALID_MESSAGE', 17],
    [
      'resume with a short resume token',
      ok('resume', { token: 'a.b', callId: 'c', resumeToken: 'short' }, 60),
      'ERR_INVALID_MESSAGE',
      60,
    ],
    [
      'resume without callId',
      ok('resume', { token: 'a.b', resumeToken: 'x'.repeat(43) }, 61),
      'ERR_INVALID_MESSAGE',
      61,
    ],
    ['pushToTalk with a string', ok('pushToTalk', { pressed: 'yes' }, 62), 'ERR_INVALID_MESSAGE', 62],
    ['interrupt with a field', ok('interrupt', { now: true }, 63), 'ERR_INVALID_MESSAGE', 63],
    ['restartIce without transport', ok('restartIce', {}, 64), 'ERR_INVALID_MESSAGE', 64],
    [
      'pauseProducer with an empty id',
      ok('pauseProducer', { producerId: '' }, 65),
      'ERR_INVALID_MESSAGE',
      65,
    ],
    [
      'produce from an unknown source',
      ok('produce', { transportId: 't', kind: 'video', source: 'window', rtpParameters: {} }, 66),
      'ERR_INVALID_MESSAGE',
      66,
    ],
  ];

  it.each(rejected)('rejects %s with its code', (_name, raw, code, id) => {
    const r = parseClientMessage(raw);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.code).toBe(code);
    expect(r.id).toBe(id);
    expect(r.detail.length).toBeGreaterThan(0);
  });

  it('never echoes message content in the detail', () => {
    const r = parseClientMessage(ok('join', { token: 123, secret: 'my-password-here' }, 20));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.detail).not.toContain('my-password-here');
  });

  const wellFormed: { [M in Method]: RequestData<M> } = {
    join: { token: 'abc.def' },
    createTransport: { direction: 'recv' },
    connectTransport: { transportId: 't1', dtlsParameters: { role: 'client', fingerprints: [] } },
    produce: {
      transportId: 't1',
      kind: 'video',
      source: 'screen',
      rtpParameters: { codecs: [], encodings: [{ ssrc: 1 }] },
    },
    closeProducer: { producerId: 'p1' },
    consumeAssistant: { transportId: 't2', rtpCapabilities: { codecs: [] } },
    resumeConsumer: { consumerId: 'c1' },
    leave: {},
    sendText: { text: 'hello' },
    sendImage: { mimeType: 'image/png', dataBase64: 'iVBORw0KGgo=' },
    registerTools: {
      tools: [{ name: 'get_weather', description: 'Weather now', parameters: { type: 'object' } }],
    },
    toolResult: { callId: 'c1', ok: true, result: { tempC: 21 } },
    ping: {},
    selectVideo: { videoId: 'v1' },
    resume: { token: 'abc.def', callId: 'call-1', resumeToken: 'r'.repeat(43) },
    restartIce: { transportId: 't1' },
    pauseProducer: { producerId: 'p1' },
    resumeProducer: { producerId: 'p1' },
    interrupt: {},
    pushToTalk: { pressed: true },
  };

  it('covers every method of the protocol', () => {
    expect(Object.keys(wellFormed).sort()).toEqual(Object.keys(requestSchemas).sort());
  });

  it.each(Object.entries(wellFormed))(
    'accepts a well-formed %s request and types its data',
    (method, data) => {
      const id = 21 + Object.keys(wellFormed).indexOf(method);
      const expected = { ok: true, request: { v: 1, kind: 'request', id, method, data } };
      expect(parseClientMessage(ok(method, data, id))).toEqual(expected);
      expect(parseClientMessage(Buffer.from(ok(method, data, id)))).toEqual(expected);
    },
  );

  it('treats missing data as empty for methods without parameters', () => {
    expect(parseClientMessage(JSON.stringify({ v: 1, kind: 'request', id: 40, method: 'ping' }))).toEqual({
      ok: true,
      request: { v: 1, kind: 'request', id: 40, method: 'ping', data: {} },
    });
  });

  describe('size limit, counted in UTF-8 bytes', () => {
    const ping = ok('ping', {}, 50);
    /** A well-formed ping padded with JSON whitespace to exactly `bytes` bytes. */
    const pingOfBytes = (bytes: number) => ping + ' '.repeat(bytes - Buffer.byteLength(ping));

    it('accepts a message of exactly the limit and refuses one byte more', () => {
      expect(parseClientMessage(pingOfBytes(MAX_MESSAGE_BYTES)).ok).toBe(true);
      const over = parseClientMessage(pingOfBytes(MAX_MESSAGE_BYTES + 1));
      expect(over).toMatchObject({ ok: false, code: 'ERR_MESSAGE_TOO_LARGE', id: null });
    });

    it('refuses a multibyte message under the limit in characters but over it in bytes', () => {
      // 'é' is 2 bytes and '€' 3 bytes in UTF-8: ~45 % of the limit in characters, ~110 % in bytes.
      const raw = ok('join', { token: 'é€'.repeat(Math.floor((MAX_MESSAGE_BYTES * 0.45) / 2)) }, 51);
      expect(raw.length).toBeLessThan(MAX_MESSAGE_BYTES);
      expect(Buffer.byteLength(raw)).toBeGreaterThan(MAX_MESSAGE_BYTES);
      for (const form of [raw, Buffer.from(raw)]) {
        const r = parseClientMessage(form);
        expect(r).toMatchObject({ ok: false, code: 'ERR_MESSAGE_TOO_LARGE' });
        if (!r.ok) expect(r.detail).toContain(`${Buffer.byteLength(raw)} > ${MAX_MESSAGE_BYTES} bytes`);
      }
    });
  });
});
