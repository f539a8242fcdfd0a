import { describe, expect, it } from 'vitest';
import { expandMedia, imageTokens, videoTokens } from '../../../../models/vlm/prompt.js';

const F = '<fake_token_around_image>';
const I = '<image>';

describe('SmolVLM image tokens (processing_smolvlm.py get_image_prompt_string)', () => {
  it('writes a 2×3 grid row by row, `<row_r_col_c>` in full order, a newline after each row, then the global image', () => {
    expect(imageTokens(2, 3, 2)).toBe(
      `${F}<row_1_col_1>${I}${I}${F}<row_1_col_2>${I}${I}${F}<row_1_col_3>${I}${I}\n` +
        `${F}<row_2_col_1>${I}${I}${F}<row_2_col_2>${I}${I}${F}<row_2_col_3>${I}${I}\n` +
        `\n${F}<global-img>${I}${I}${F}`,
    );
  });

  it('writes a 3×2 grid differently from a 2×3 one', () => {
    expect(imageTokens(3, 2, 1)).toBe(
      `${F}<row_1_col_1>${I}${F}<row_1_col_2>${I}\n` +
        `${F}<row_2_col_1>${I}${F}<row_2_col_2>${I}\n` +
        `${F}<row_3_col_1>${I}${F}<row_3_col_2>${I}\n` +
        `\n${F}<global-img>${I}${F}`,
    );
  });

  it('writes an unsplit image as the global image alone', () => {
    expect(imageTokens(0, 0, 3)).toBe(`${F}<global-img>${I}${I}${I}${F}`);
  });
});

describe('SmolVLM video tokens (DEFAULT_VIDEO_INTRO, FRAME_TIMESTAMP_MESSAGE, DEFAULT_MEDIA_OUTTRO)', () => {
  it('spells the frame count in words, gives H:MM:SS duration and mm:ss per frame, and ends with two newlines', () => {
    const block = `${F}<global-img>${I}${F}`;
    expect(videoTokens([0, 1999, 65_000], 66_900, 1)).toBe(
      'You are provided the following series of three frames from a 0:01:06 [H:MM:SS] video.\n' +
        `\nFrame from 00:00:${block}\nFrame from 00:01:${block}\nFrame from 01:05:${block}\n\n`,
    );
  });

  it('says "sixty-four frames" for 64 frames and counts hours past one', () => {
    const times = Array.from({ length: 64 }, (_, i) => i * 60_000);
    const s = videoTokens(times, 3_723_000, 1);
    expect(
      s.startsWith(
        'You are provided the following series of sixty-four frames from a 1:02:03 [H:MM:SS] video.\n',
      ),
    ).toBe(true);
    expect(s).toContain('\nFrame from 63:00:');
  });
});

describe('expandMedia', () => {
  it('replaces placeholders in order', () => {
    const out = expandMedia(
      'a<image>b<video>c',
      [
        { kind: 'image', rows: 0, cols: 0 },
        { kind: 'video', frameTimesMs: [0], durationMs: 1000 },
      ],
      1,
    );
    expect(out).toBe(
      `a${F}<global-img>${I}${F}b` +
        `You are provided the following series of one frames from a 0:00:01 [H:MM:SS] video.\n\nFrame from 00:00:${F}<global-img>${I}${F}\n\nc`,
    );
  });

  it('refuses media that do not match the placeholders, with ERR_MODEL_INPUT', () => {
    expect(() => expandMedia('<image>', [{ kind: 'video', frameTimesMs: [0], durationMs: 0 }], 1)).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_INPUT' }),
    );
    expect(() => expandMedia('no placeholder', [{ kind: 'image', rows: 0, cols: 0 }], 1)).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_INPUT' }),
    );
    expect(() => expandMedia('<image><image>', [{ kind: 'image', rows: 0, cols: 0 }], 1)).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_INPUT' }),
    );
  });
});

describe('video frames holding only the rows a compressor kept', () => {
  it('writes K `<image>` tokens for a frame with K kept rows, and leaves out frames with none', () => {
    const s = videoTokens([0, 1000, 2000], 3000, 4, [2, 0, 4]);
    expect(s).toBe(
      'You are provided the following series of two frames from a 0:00:03 [H:MM:SS] video.\n' +
        `\nFrame from 00:00:${F}<global-img>${I}${I}${F}\nFrame from 00:02:${F}<global-img>${I}${I}${I}${I}${F}\n\n`,
    );
  });

  it('refuses token counts that do not fit the frames', () => {
    expect(() => videoTokens([0, 1000], 2000, 4, [4])).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_INPUT' }),
    );
    expect(() => videoTokens([0], 1000, 4, [5])).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_INPUT' }),
    );
  });
});
