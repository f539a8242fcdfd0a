import { describe, expect, it } from 'vitest';
import { ChangeGate, greyThumbnail } from '../../../../pipelines/watch/changeGate.js';
import { fillRect, frameAt, stillPicture, withNoise } from '../../../helpers/syntheticVideo.js';

const W = 320;
const H = 240;
const base = stillPicture(W, H, 11);
const noisy = (ptsMs: number) => frameAt(withNoise(base, 6, ptsMs + 1), ptsMs);

describe('greyThumbnail', () => {
  it('is the mean luma of each cell', () => {
    const pic = { rgb: Buffer.alloc(64 * 48 * 3), width: 64, height: 48 };
    fillRect(pic, 32, 0, 32, 48, [255, 255, 255]);
    fillRect(pic, 0, 24, 32, 24, [0, 0, 200]);
    const t = greyThumbnail(pic, 4, 2);
    expect(Array.from(t, (v) => Math.round(v))).toEqual([0, 0, 255, 255, 23, 23, 255, 255]);
  });
});

describe('ChangeGate', () => {
  it('passes the first frame, holds a still scene with sensor noise, and passes a heartbeat every heartbeatMs', () => {
    const gate = new ChangeGate({ heartbeatMs: 5000 });
    gate.setUserSpeaking(true);
    const passed: [number, string][] = [];
    for (let t = 0; t <= 20_000; t += 500) {
      const d = gate.offer(noisy(t));
      if (d.pass) passed.push([t, d.reason]);
      else expect(d.meanDiff).toBeLessThan(gate.options.meanDiffThreshold);
    }
    expect(passed).toEqual([
      [0, 'first'],
      [5000, 'heartbeat'],
      [10_000, 'heartbeat'],
      [15_000, 'heartbeat'],
      [20_000, 'heartbeat'],
    ]);
  });

  it('passes a new picture at once, and a small object entering a still scene by its changed cells', () => {
    const gate = new ChangeGate();
    gate.setUserSpeaking(true);
    expect(gate.offer(noisy(0)).pass).toBe(true);
    const withObject = withNoise(base, 6, 99);
    // 32 × 32 px: 1.3 % of the frame, 9 whole thumbnail cells; the mean barely moves.
    fillRect(withObject, 100, 100, 32, 32, [255, 255, 255]);
    const d = gate.offer(frameAt(withObject, 1000));
    expect(d).toMatchObject({ pass: true, reason: 'change' });
    expect(d.meanDiff).toBeLessThan(gate.options.meanDiffThreshold);
    expect(d.changedShare).toBeGreaterThanOrEqual(gate.options.changedCellShare);
    const other = gate.offer(frameAt(withNoise(stillPicture(W, H, 12), 6, 5), 2000));
    expect(other.pass).toBe(true);
    expect(other.meanDiff).toBeGreaterThan(gate.options.meanDiffThreshold);
  });

  it('passes at most maxFps while the person speaks and idleFps while nobody does', () => {
    const gate = new ChangeGate({ maxFps: 1, idleFps: 0.3 });
    const pics = [stillPicture(W, H, 1), stillPicture(W, H, 2), stillPicture(W, H, 3)];
    const passedAt: number[] = [];
    // A new picture every 100 ms: only the rate bound holds it back.
    for (let t = 0; t < 20_000; t += 100) {
      gate.setUserSpeaking(t < 10_000);
      const d = gate.offer(frameAt(pics[(t / 100) % 3] as (typeof pics)[0], t));
      if (d.pass) passedAt.push(t);
      else expect(d.reason).toBe('rate');
    }
    expect(passedAt).toEqual([
      0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 9000, 12_400, 15_800, 19_200,
    ]);
  });

  it('drops a frame that is not newer than the last one seen', () => {
    const gate = new ChangeGate();
    expect(gate.offer(noisy(1000)).pass).toBe(true);
    expect(gate.offer(noisy(1000))).toMatchObject({ pass: false, reason: 'out-of-order' });
    expect(gate.offer(noisy(500))).toMatchObject({ pass: false, reason: 'out-of-order' });
  });

  it('rejects settings out of range', () => {
    expect(() => new ChangeGate({ maxFps: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_ARGUMENT' }),
    );
    expect(() => new ChangeGate({ thumbWidth: 2.5 })).toThrow(/whole, positive/);
  });
});
