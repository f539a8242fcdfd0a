import { describe, expect, it } from 'vitest';
import { blobToBase64, checkImage } from '../../../../client/sdk/image.js';
import { MAX_IMAGE_BYTES } from '../../../../protocol/limits.js';

describe('checkImage', () => {
  it('accepts JPEG, PNG and WebP up to the limit', () => {
    for (const type of ['image/jpeg', 'image/png', 'image/webp']) {
      expect(checkImage(new Blob([new Uint8Array(10)], { type }))).toBe(type);
    }
    expect(checkImage(new Blob([new Uint8Array(MAX_IMAGE_BYTES)], { type: 'image/png' }))).toBe('image/png');
  });

  it('refuses other types, empty files and files over the limit with the server codes', () => {
    expect(() => checkImage(new Blob([new Uint8Array(10)], { type: 'image/gif' }))).toThrow(
      expect.objectContaining({ code: 'ERR_IMAGE_FORMAT', message: expect.stringContaining('image/gif') }),
    );
    expect(() => checkImage(new Blob([new Uint8Array(10)]))).toThrow(
      expect.objectContaining({ code: 'ERR_IMAGE_FORMAT' }),
    );
    expect(() => checkImage(new Blob([], { type: 'image/png' }))).toThrow(
      expect.objectContaining({ code: 'ERR_IMAGE_FORMAT' }),
    );
    expect(() => checkImage(new Blob([new Uint8Array(MAX_IMAGE_BYTES + 1)], { type: 'image/png' }))).toThrow(
      expect.objectContaining({ code: 'ERR_IMAGE_TOO_LARGE' }),
    );
  });
});

describe('blobToBase64', () => {
  it('matches Node’s base64 for every byte value and across chunk edges', async () => {
    const bytes = new Uint8Array(0x8000 * 3 + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
    expect(await blobToBase64(new Blob([bytes]))).toBe(Buffer.from(bytes).toString('base64'));
    expect(await blobToBase64(new Blob([]))).toBe('');
  });
});
