import { describe, expect, it } from 'vitest';
import { PpmStreamParser } from '../../../../../server/media/video-in/ppmParser.js';

function ppm(w: number, h: number, fill: number): Buffer {
  return Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`, 'latin1'), Buffer.alloc(w * h * 3, fill)]);
}

/** A parser error: ERR_MEDIA_FORMAT, saying why. */
const why = (re: RegExp) =>
  expect.objectContaining({ code: 'ERR_MEDIA_FORMAT', message: expect.stringMatching(re) });

describe('PpmStreamParser', () => {
  it('splits a stream cut at arbitrary byte boundaries, including a size change', () => {
    const stream = Buffer.concat([ppm(4, 2, 1), ppm(4, 2, 2), ppm(3, 3, 3)]);
    const parser = new PpmStreamParser();
    const images = [];
    for (let i = 0; i < stream.length; i += 7) images.push(...parser.push(stream.subarray(i, i + 7)));
    expect(images.map((im) => [im.width, im.height, im.rgb[0], im.rgb.length])).toEqual([
      [4, 2, 1, 24],
      [4, 2, 2, 24],
      [3, 3, 3, 27],
    ]);
  });

  it('takes exactly one whitespace byte after maxval: pixel data may start with 0x20, 0x0a, 0x09 or 0x0d', () => {
    // Pixels whose first bytes are whitespace, followed by a marker, so that a header that eats them shows.
    const pixels = (...first: number[]) => {
      const rgb = Buffer.alloc(2 * 2 * 3, 0x80);
      Buffer.from(first).copy(rgb);
      return rgb;
    };
    const frames = [pixels(0x20, 0x20, 0x41), pixels(0x0a, 0x0a, 0x0a, 0x42), pixels(0x09, 0x0d, 0x20, 0x0c)];
    const stream = Buffer.concat(frames.flatMap((rgb) => [Buffer.from('P6\n2 2\n255\n', 'latin1'), rgb]));
    for (const step of [stream.length, 1, 13]) {
      const parser = new PpmStreamParser();
      const images = [];
      for (let i = 0; i < stream.length; i += step) images.push(...parser.push(stream.subarray(i, i + step)));
      expect(images.map((im) => [im.width, im.height, [...im.rgb]])).toEqual(
        frames.map((rgb) => [2, 2, [...rgb]]),
      );
    }
  });

  it('accepts whitespace runs between header fields, multi-digit sizes and the largest size', () => {
    const header = Buffer.from('P6 \n12\t\n 10  \r\n255\n', 'latin1');
    const rgb = Buffer.alloc(12 * 10 * 3, 7);
    const [image] = new PpmStreamParser().push(Buffer.concat([header, rgb]));
    expect([image?.width, image?.height, image?.rgb.equals(rgb)]).toEqual([12, 10, true]);
    const largest = [
      ...new PpmStreamParser().push(ppm(8192, 1, 9)),
      ...new PpmStreamParser().push(ppm(1, 8192, 9)),
    ];
    expect(largest.map((im) => [im.width, im.height, im.rgb.length])).toEqual([
      [8192, 1, 8192 * 3],
      [1, 8192, 8192 * 3],
    ]);
  });

  it('rejects streams that are not 8-bit binary PPM, saying why', () => {
    const reject = (bytes: string) => () => new PpmStreamParser().push(Buffer.from(bytes, 'latin1'));
    expect(reject('GIF89a....')).toThrow(why(/not binary PPM/));
    // Bytes before the magic number are not skipped.
    expect(reject('XP6\n2 2\n255\n\0\0\0')).toThrow(why(/not binary PPM/));
    expect(reject('P6\n2 2\n65535\n')).toThrow(why(/only 8-bit/));
    for (const size of ['0 2', '2 0', '8193 2', '2 8193', '99999 2']) {
      expect(reject(`P6\n${size}\n255\n`)).toThrow(why(/size out of range/));
    }
    // A header that does not end within 64 bytes.
    expect(reject(`P6 ${'1'.repeat(70)}`)).toThrow(why(/malformed PPM header/));
  });

  it('refuses a stream as soon as its first two bytes are not "P6"', () => {
    const parser = new PpmStreamParser();
    expect(parser.push(Buffer.from('G'))).toEqual([]);
    expect(() => parser.push(Buffer.from('I'))).toThrow(why(/not binary PPM/));
  });
});
