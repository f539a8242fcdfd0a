import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoFrame } from '../../core/media.js';
import type { Ocr, OcrImage } from '../../models/roles/ocr.js';
import { PpOcrRole } from '../../models/roles/ppOcrRole.js';
import { FakeOcr } from '../../pipelines/testing/fakes/fakeOcr.js';

/** A fake that "finds" one line wherever the picture is not one flat colour. */
function fakeLines(image: OcrImage) {
  const first = image.rgb[0];
  const flat = image.rgb.every((v) => v === first);
  return flat
    ? []
    : [{ text: 'text', confidence: 0.9, box: { x: 0, y: 0, width: image.width, height: image.height } }];
}

/** The real PP-OCRv4 from the npm package, and the fake. */
const implementations: [string, () => Promise<Ocr>][] = [
  ['pp-ocr', () => PpOcrRole.load()],
  ['fake', async () => new FakeOcr({ lines: fakeLines })],
];

async function render(svgBody: string, width = 480, height = 120): Promise<OcrImage> {
  const svg = `<svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="white"/>${svgBody}</svg>`;
  const { data, info } = await sharp(Buffer.from(svg))
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { rgb: data, width: info.width, height: info.height };
}

let card: OcrImage;
let blank: OcrImage;
beforeAll(async () => {
  card = await render(
    '<text x="20" y="75" font-family="DejaVu Sans" font-size="40" fill="black">Hello WebRTC 2024</text>',
  );
  blank = await render('');
});

describe.each(implementations)('OCR role contract: %s', (_name, load) => {
  let ocr: Ocr;
  beforeAll(async () => {
    ocr = await load();
  });
  afterAll(() => ocr.dispose());

  it('finds lines of text with a confidence and a box inside the picture', async () => {
    const lines = await ocr.read(card);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l.text.trim()).not.toBe('');
      expect(l.confidence).toBeGreaterThanOrEqual(0);
      expect(l.confidence).toBeLessThanOrEqual(1);
      expect(l.box.x).toBeGreaterThanOrEqual(0);
      expect(l.box.y).toBeGreaterThanOrEqual(0);
      expect(l.box.x + l.box.width).toBeLessThanOrEqual(card.width);
      expect(l.box.y + l.box.height).toBeLessThanOrEqual(card.height);
    }
  });

  it('finds nothing in a blank picture', async () => {
    expect(await ocr.read(blank)).toEqual([]);
  });

  it('reads a camera frame as it comes from the video tap', async () => {
    const frame: VideoFrame = { ...card, rgb: Buffer.from(card.rgb), ptsMs: 1234, receivedAtMs: 1300 };
    expect((await ocr.read(frame)).map((l) => l.text)).toEqual((await ocr.read(card)).map((l) => l.text));
  });

  it('stops on abort', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(ocr.read(card, { signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_ABORTED' });
  });
});
