import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../core/clock.js';
import { silentLogger } from '../../../../core/log.js';
import type { OcrImage, OcrTextLine } from '../../../../models/roles/ocr.js';
import { MemoryMetrics } from '../../../../pipelines/core/metrics.js';
import { FakeOcr } from '../../../../pipelines/testing/fakes/fakeOcr.js';
import { OcrReader, type OcrReaderOptions } from '../../../../pipelines/watch/ocrReader.js';

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const box = { x: 0, y: 0, width: 10, height: 10 };
/** A 1 × 1 frame whose red byte says which text it shows. */
const frame = (ptsMs: number, sign: number) => ({
  ptsMs,
  width: 1,
  height: 1,
  rgb: Uint8Array.of(sign, 0, 0),
});

function setup(lines: (image: OcrImage) => OcrTextLine[], options: Partial<OcrReaderOptions> = {}) {
  const clock = new ManualClock(0);
  const controller = new AbortController();
  const metrics = new MemoryMetrics();
  const inFlight = { now: 0, max: 0, startedAt: [] as number[], signs: [] as number[] };
  const ocr = new FakeOcr({
    clock,
    firstOutputDelayMs: 400,
    lines: (image) => {
      inFlight.now--;
      return lines(image);
    },
  });
  const read = ocr.read.bind(ocr);
  ocr.read = (image, o) => {
    inFlight.now++;
    inFlight.max = Math.max(inFlight.max, inFlight.now);
    inFlight.startedAt.push(clock.nowMs());
    inFlight.signs.push(image.rgb[0] as number);
    return read(image, o);
  };
  const reader = new OcrReader({
    ocr,
    clock,
    log: silentLogger,
    metrics,
    signal: controller.signal,
    options,
  });
  const advance = async (ms: number) => {
    for (let t = 0; t < ms; t += 50) {
      clock.advance(50);
      await settle();
    }
  };
  return { reader, advance, inFlight, metrics, controller };
}

const sign = (text: string, confidence = 0.9): OcrTextLine[] => [{ text, confidence, box }];

describe('OcrReader', () => {
  it('reads at most once per minIntervalMs, one at a time, the newest offered frame', async () => {
    const { reader, advance, inFlight, metrics } = setup((img) => sign(`sign ${img.rgb[0]}`));
    for (let i = 0; i < 20; i++) {
      reader.offer(frame(i * 500, i));
      await advance(500);
    }
    await advance(3000);
    expect(inFlight.startedAt).toEqual([0, 3000, 6000, 9000, 12_000]);
    // At each start, the newest frame offered before it (frame i is offered at i × 500 ms, after the timers due then).
    expect(inFlight.signs).toEqual([0, 5, 11, 17, 19]);
    expect(inFlight.max).toBe(1);
    expect(metrics.ofType('ocr')).toHaveLength(5);
    expect(metrics.ofType('ocr')[0]).toMatchObject({ durationMs: 400, lines: 1, label: 'fake-ocr' });
    expect(reader.readings().map((r) => r.ptsMs)).toEqual([0, 2500, 5500, 8500, 9500]);
  });

  it('does not add the same text twice in a row, leaves out unsure lines and keeps the last maxReadings', async () => {
    const texts = ['EXIT', 'EXIT', 'EXIT', 'OPEN 9-5', 'EXIT', '', 'EXIT', 'A', 'B', 'C'];
    const { reader, advance } = setup(
      (img) => [
        ...sign(texts[img.rgb[0] as number] as string),
        { text: 'smudge', confidence: 0.2, box },
        { text: '  ', confidence: 0.99, box },
      ],
      { minIntervalMs: 1000, maxReadings: 4 },
    );
    for (const [i] of texts.entries()) {
      reader.offer(frame(i * 1000, i));
      await advance(1000);
    }
    await reader.idle();
    expect(reader.readings()).toEqual([
      { ptsMs: 4000, text: 'EXIT' },
      { ptsMs: 7000, text: 'A' },
      { ptsMs: 8000, text: 'B' },
      { ptsMs: 9000, text: 'C' },
    ]);
  });

  it('joins the lines of one reading in reading order', async () => {
    const { reader, advance } = setup(() => [...sign('Platform 4'), ...sign('Departures')]);
    reader.offer(frame(0, 0));
    await advance(500);
    expect(reader.readings()).toEqual([{ ptsMs: 0, text: 'Platform 4\nDepartures' }]);
  });
});
