import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, parseClientMessage } from '../../../protocol/messages.js';

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

  it('accepts each well-formed request and types its data', () => {
    const r = parseClientMessage(ok('createTransport', { direction: 'send' }, 21));
    expect(r).toEqual({
      ok: true,
      request: { v: 1, kind: 'request', id: 21, method: 'createTransport', data: { direction: 'send' } },
    });
    expect(parseClientMessage(ok('ping', undefined, 22)).ok).toBe(true);
    expect(parseClientMessage(Buffer.from(ok('join', { token: 'abc' }, 23))).ok).toBe(true);
  });
});
