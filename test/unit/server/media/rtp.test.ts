import { describe, expect, it } from 'vitest';
import { buildRtp, parseRtp, Unwrapper } from '../../../../server/media/rtp.js';

describe('parseRtp', () => {
  it('round-trips what buildRtp writes', () => {
    const payload = Buffer.from([1, 2, 3, 4]);
    const p = parseRtp(
      buildRtp({
        payloadType: 100,
        marker: true,
        sequenceNumber: 65535,
        timestamp: 2 ** 32 - 1,
        ssrc: 0xdeadbeef,
        payload,
      }),
    );
    expect(p).toMatchObject({
      payloadType: 100,
      marker: true,
      sequenceNumber: 65535,
      timestamp: 2 ** 32 - 1,
      ssrc: 0xdeadbeef,
    });
    expect([...(p?.payload ?? [])]).toEqual([1, 2, 3, 4]);
  });

  it('skips CSRCs, the header extension and padding', () => {
    const header = Buffer.from([0x80 | 0x20 | 0x10 | 2, 111, 0, 1, 0, 0, 0, 9, 0, 0, 0, 7]);
    const csrcs = Buffer.alloc(8, 0xaa);
    const ext = Buffer.from([0xbe, 0xde, 0, 1, 0x10, 0xff, 0, 0]);
    const payload = Buffer.from([9, 8, 7]);
    const padding = Buffer.from([0, 0, 3]);
    const p = parseRtp(Buffer.concat([header, csrcs, ext, payload, padding]));
    expect(p?.payloadType).toBe(111);
    expect([...(p?.payload ?? [])]).toEqual([9, 8, 7]);
  });

  it('returns null for malformed packets instead of throwing', () => {
    expect(parseRtp(Buffer.alloc(5))).toBeNull();
    expect(parseRtp(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeNull(); // version 1
    expect(parseRtp(Buffer.from([0x8f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeNull(); // 15 CSRCs, none present
    expect(parseRtp(Buffer.from([0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xbe, 0xde, 0, 9]))).toBeNull(); // ext past end
    expect(parseRtp(Buffer.from([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeNull(); // padding 0
    expect(parseRtp(Buffer.from([0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 99]))).toBeNull(); // padding > size
  });
});

describe('Unwrapper', () => {
  it('extends 16-bit sequence numbers across the wrap, both ways', () => {
    const u = new Unwrapper(16);
    expect([65534, 65535, 0, 1, 65535, 2].map((v) => u.unwrap(v))).toEqual([
      65534, 65535, 65536, 65537, 65535, 65538,
    ]);
  });

  it('extends 32-bit timestamps', () => {
    const u = new Unwrapper(32);
    expect(u.unwrap(2 ** 32 - 960)).toBe(2 ** 32 - 960);
    expect(u.unwrap(0)).toBe(2 ** 32);
    expect(u.unwrap(960)).toBe(2 ** 32 + 960);
  });
});
