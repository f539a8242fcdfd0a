import { describe, expect, it } from 'vitest';
import { AsyncQueue } from '../../../../core/asyncQueue.js';
import type { VideoFrame } from '../../../../core/media.js';
import { VideoSelector } from '../../../../server/call/videoSelector.js';

/** A stand-in tap: frames pushed by the test, tagged by their width (1 camera, 2 screen). */
class FakeTap {
  readonly queue = new AsyncQueue<VideoFrame>(100);
  constructor(readonly tag: number) {}
  get frames(): AsyncIterable<VideoFrame> {
    return this.queue;
  }
  emit(ptsMs: number): void {
    this.queue.push({ ptsMs, width: this.tag, height: 1, rgb: Buffer.alloc(3), receivedAtMs: ptsMs });
  }
}

const settle = () => new Promise<void>((r) => setImmediate(r));

/** Reads the selector in the background; returns what arrived as `tag@pts`. */
function read(selector: VideoSelector): string[] {
  const seen: string[] = [];
  void (async () => {
    for await (const f of selector.frames) seen.push(`${f.width}@${f.ptsMs}`);
  })();
  return seen;
}

describe('VideoSelector', () => {
  it('passes the camera, then only the screen while it is shared, then the camera again', async () => {
    const s = new VideoSelector();
    const camera = new FakeTap(1);
    const screen = new FakeTap(2);
    s.add('camera', camera);
    const seen = read(s);
    await settle();
    camera.emit(0);
    await settle();
    s.add('screen', screen);
    expect(s.active).toBe('screen');
    camera.emit(1000);
    screen.emit(1000);
    await settle();
    camera.emit(2000);
    screen.emit(2000);
    await settle();
    s.remove('screen', screen);
    expect(s.active).toBe('camera');
    camera.emit(3000);
    screen.emit(3000); // a late frame of the closed share: not seen
    await settle();
    expect(seen).toEqual(['1@0', '2@1000', '2@2000', '1@3000']);
    // The camera tap was read all along (its frames were dropped, not left to pile up).
    expect(camera.queue.size).toBe(0);
    s.close();
  });

  it('a tap whose frames end (it closed) is forgotten; a new camera is watched by the same reader', async () => {
    const s = new VideoSelector();
    const seen = read(s);
    const screen = new FakeTap(2);
    s.add('screen', screen);
    await settle();
    screen.emit(0);
    await settle();
    screen.queue.close();
    await settle();
    expect(s.active).toBeNull();
    const camera = new FakeTap(1);
    s.add('camera', camera);
    camera.emit(500);
    await settle();
    expect(seen).toEqual(['2@0', '1@500']);
    s.close();
  });

  it('reads nothing from a tap until someone reads the selected frames', async () => {
    const s = new VideoSelector();
    const camera = new FakeTap(1);
    s.add('camera', camera);
    camera.emit(0);
    await settle();
    expect(camera.queue.size).toBe(1);
    const seen = read(s);
    await settle();
    await settle();
    expect(seen).toEqual(['1@0']);
    s.close();
  });
});
