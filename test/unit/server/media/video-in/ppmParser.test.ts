import { describe, expect, it } from 'vitest';
import { PpmStreamParser } from '../../../../../server/media/video-in/ppmParser.js';

function ppm(w: number, h: number, fill: number): Buffer {
  return Buffer.concat([Buffer.from(`P6\n${w} ${h}\n255\n`, 'latin1'), Buffer.alloc(w * h * 3, fill)]);
}

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

  it('rejects streams that are not 8-bit binary PPM', () => {
    expect(() => new PpmStreamParser().push(Buffer.from('GIF89a....'))).toThrow();
    expect(() => new PpmStreamParser().push(Buffer.from('P6\n2 2\n65535\n'))).toThrow();
    expect(() => new PpmStreamParser().push(Buffer.from('P6\n99999 2\n255\n'))).toThrow();
  });
});
