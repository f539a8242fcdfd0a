import { describe, expect, it } from 'vitest';
import { SMOLVLM_IMAGE_CONFIG, smolVlmImageConfig } from '../../../../models/vision/smolvlmImageConfig.js';

/** SmolVLM2-256M-Video-Instruct's preprocessor_config.json (the fields the preprocessing reads). */
const REPO_256M = {
  do_image_splitting: true,
  do_normalize: true,
  do_rescale: true,
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.5, 0.5, 0.5],
  max_image_size: { longest_edge: 512 },
  rescale_factor: 0.00392156862745098,
  size: { longest_edge: 2048 },
};

describe('smolVlmImageConfig (preprocessor_config.json)', () => {
  it("reads the 256M repo's values", () => {
    expect(smolVlmImageConfig(REPO_256M)).toEqual(SMOLVLM_IMAGE_CONFIG);
  });

  it('reads other sizes, statistics and switches rather than assuming 2048/512', () => {
    expect(
      smolVlmImageConfig({
        ...REPO_256M,
        size: { longest_edge: 1536 },
        max_image_size: { longest_edge: 384 },
        image_mean: [0.1, 0.2, 0.3],
        image_std: 0.25,
        do_image_splitting: false,
      }),
    ).toEqual({
      longestEdge: 1536,
      tileSize: 384,
      splitImages: false,
      mean: [0.1, 0.2, 0.3],
      std: [0.25, 0.25, 0.25],
      rescaleFactor: 0.00392156862745098,
    });
  });

  it('honours do_rescale and do_normalize set to false', () => {
    const cfg = smolVlmImageConfig({ ...REPO_256M, do_rescale: false, do_normalize: false });
    expect(cfg).toMatchObject({ rescaleFactor: 1, mean: [0, 0, 0], std: [1, 1, 1] });
  });

  it.each([
    [{}, 'size.longest_edge'],
    [{ ...REPO_256M, max_image_size: {} }, 'max_image_size.longest_edge'],
    [{ ...REPO_256M, size: { longest_edge: 256 } }, 'size.longest_edge'],
    [{ ...REPO_256M, image_mean: [0.5, 0.5] }, 'image_mean'],
    [{ ...REPO_256M, image_std: [0.5, 0, 0.5] }, 'image_std'],
    [{ ...REPO_256M, rescale_factor: '1/255' }, 'rescale_factor'],
  ])('refuses %j with ERR_MODEL_LOAD naming %s', (json, field) => {
    expect(() => smolVlmImageConfig(json)).toThrow(
      expect.objectContaining({ code: 'ERR_MODEL_LOAD', message: expect.stringContaining(field) }),
    );
  });
});
