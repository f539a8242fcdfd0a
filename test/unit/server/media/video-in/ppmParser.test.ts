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

  it('rejects streams that are not 8-bit binary PPM', () => {
    expect(() => new PpmStreamParser().push(Buffer.from('GIF89a....'))).toThrow(
      expect.objectContaining({ code: 'ERR_MEDIA_FORMAT' }),
    );
    expect(() => new PpmStreamParser().push(Buffer.from('P6\n2 2\n65535\n'))).toThrow(
      expect.objectContaining({ code: 'ERR_MEDIA_FORMAT' }),
    );
    expect(() => new PpmStreamParser().push(Buffer.from('P6\n99999 2\n255\n'))).toThrow(
      expect.objectContaining({ code: 'ERR_MEDIA_FORMAT' }),
    );
  });
});
