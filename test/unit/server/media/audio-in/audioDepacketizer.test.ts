import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../../core/clock.js';
import type { AudioFrame } from '../../../../../core/media.js';
import {
  AudioDepacketizer,
  DEFAULT_AUDIO_TAP_OPTIONS,
} from '../../../../../server/media/audio-in/audioTap.js';
import { OpusEncoder } from '../../../../../server/media/opus.js';
import { buildRtp } from '../../../../../server/media/rtp.js';
import { collect } from '../../../../helpers/collect.js';

const PT = 100;
const encoder = new OpusEncoder(48000);

/** 20 ms Opus packets of a 300 Hz tone (or silence where `silent`), seq/ts starting near the 16-bit wrap. */
function packets(count: number, seq0 = 65530, ts0 = 2 ** 32 - 960 * 3): Buffer[] {
  const out: Buffer[] = [];
  for (let k = 0; k < count; k++) {
    const pcm = new Int16Array(960);
    for (let i = 0; i < 960; i++)
      pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 300 * (k * 960 + i)) / 48000));
    out.push(
      buildRtp({
        payloadType: PT,
        marker: k === 0,
        sequenceNumber: (seq0 + k) & 0xffff,
        timestamp: (ts0 + k * 960) >>> 0,
        ssrc: 1,
        payload: encoder.encode(pcm),
      }),
    );
  }
  return out;
}

/** Closes the stream and reads every frame it produced. */
async function drain(d: AudioDepacketizer): Promise<AudioFrame[]> {
  d.close();
  return collect(d.frames);
}

const rms = (f: AudioFrame) => Math.sqrt(f.samples.reduce((a, s) => a + s * s, 0) / f.samples.length);

describe('AudioDepacketizer', () => {
  it('decodes in-order packets into contiguous 20 ms frames across the sequence wrap', async () => {
    const clock = new ManualClock(10_000);
    const d = new AudioDepacketizer(clock, 9_000, PT, DEFAULT_AUDIO_TAP_OPTIONS);
    for (const p of packets(20)) {
      d.pushRtp(p);
      clock.advance(20);
    }
    const frames = await drain(d);
    expect(frames).toHaveLength(20);
    expect(frames[0]?.ptsMs).toBe(1000);
    for (const [i, f] of frames.entries()) expect(f.ptsMs).toBe(1000 + i * 20);
    expect(frames.slice(2).every((f) => rms(f) > 2000)).toBe(true);
    expect(d.stats).toMatchObject({ lost: 0, reordered: 0, filledMs: 0 });
  });

  it('puts reordered packets back in order within the hold time', async () => {
    const clock = new ManualClock(0);
    const d = new AudioDepacketizer(clock, 0, PT, DEFAULT_AUDIO_TAP_OPTIONS);
    const ps = packets(10);
    const order = [0, 1, 3, 2, 4, 6, 5, 7, 8, 9];
    for (const i of order) {
      d.pushRtp(ps[i] as Buffer);
      clock.advance(20);
    }
    const frames = await drain(d);
    expect(frames.map((f) => f.ptsMs)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
    expect(frames.every((f) => f.filledSamples === 0)).toBe(true);
    expect(d.stats.reordered).toBe(2);
    expect(d.stats.lost).toBe(0);
  });

  it('gives up on a lost packet after the hold time and fills exactly its 20 ms with silence', async () => {
    const clock = new ManualClock(0);
    const d = new AudioDepacketizer(clock, 0, PT, { ...DEFAULT_AUDIO_TAP_OPTIONS, holdMs: 60 });
    const ps = packets(10);
    for (let i = 0; i < 10; i++) {
      if (i !== 4) d.pushRtp(ps[i] as Buffer);
      clock.advance(20);
    }
    clock.advance(100);
    const frames = await drain(d);
    expect(frames.map((f) => f.ptsMs)).toEqual([0, 20, 40, 60, 80, 100, 120, 140, 160, 180]);
    expect(frames.map((f) => f.filledSamples)).toEqual([0, 0, 0, 0, 320, 0, 0, 0, 0, 0]);
    expect(d.stats.lost).toBe(1);
  });

  it('drops a packet that arrives after its hole was given up, and duplicates', async () => {
    const clock = new ManualClock(0);
    const d = new AudioDepacketizer(clock, 0, PT, { ...DEFAULT_AUDIO_TAP_OPTIONS, holdMs: 40 });
    const ps = packets(8);
    for (let i = 0; i < 8; i++) {
      if (i !== 2) d.pushRtp(ps[i] as Buffer);
      if (i === 3) d.pushRtp(ps[3] as Buffer);
      clock.advance(20);
    }
    d.pushRtp(ps[2] as Buffer); // 100+ ms late
    const frames = await drain(d);
    expect(frames).toHaveLength(8);
    expect(frames[2]?.filledSamples).toBe(320);
    expect(d.stats).toMatchObject({ lateDropped: 1, duplicates: 1, lost: 1 });
  });

  it('keeps true time across a sender pause (DTX): timestamps jump, sequence numbers do not', async () => {
    const clock = new ManualClock(0);
    const d = new AudioDepacketizer(clock, 0, PT, DEFAULT_AUDIO_TAP_OPTIONS);
    const a = packets(3, 100, 0);
    const b = packets(3, 103, 960 * 50); // 1 s later on the RTP clock, next sequence number
    for (const p of a) d.pushRtp(p);
    clock.advance(1000);
    for (const p of b) d.pushRtp(p);
    const frames = await drain(d);
    expect(frames).toHaveLength(53);
    expect(frames.at(-3)?.ptsMs).toBe(1000);
    expect(d.stats.lost).toBe(0);
    expect(d.stats.filledMs).toBe(940);
  });

  it('ignores other payload types and garbage without throwing', async () => {
    const clock = new ManualClock(0);
    const d = new AudioDepacketizer(clock, 0, PT, DEFAULT_AUDIO_TAP_OPTIONS);
    d.pushRtp(Buffer.from('not rtp at all'));
    d.pushRtp(
      buildRtp({
        payloadType: 96,
        marker: false,
        sequenceNumber: 1,
        timestamp: 1,
        ssrc: 1,
        payload: Buffer.alloc(10),
      }),
    );
    d.pushRtp(
      buildRtp({
        payloadType: PT,
        marker: false,
        sequenceNumber: 1,
        timestamp: 1,
        ssrc: 1,
        payload: Buffer.from([0xff, 0xff, 0xff]),
      }),
    );
    const frames = await drain(d);
    expect(frames).toEqual([]);
    expect(d.stats.decodeErrors).toBe(1);
    expect(d.stats.received).toBe(1);
  });

  it('counts a corrupt packet among good ones as a decode error and fills its 20 ms with silence', async () => {
    const clock = new ManualClock(0);
    const d = new AudioDepacketizer(clock, 0, PT, DEFAULT_AUDIO_TAP_OPTIONS);
    const ps = packets(5, 10, 0);
    const bad = Buffer.from(ps[2] as Buffer);
    // Keep the 12-byte RTP header, replace the Opus payload with an invalid TOC/frame-count code.
    const corrupt = Buffer.concat([bad.subarray(0, 12), Buffer.from([0xff, 0xff, 0xff])]);
    for (const p of [ps[0], ps[1], corrupt, ps[3], ps[4]]) {
      d.pushRtp(p as Buffer);
      clock.advance(20);
    }
    const frames = await drain(d);
    expect(d.stats.decodeErrors).toBe(1);
    expect(d.stats.lost).toBe(0);
    expect(frames.map((f) => [f.ptsMs, f.filledSamples])).toEqual([
      [0, 0],
      [20, 0],
      [40, 320],
      [60, 0],
      [80, 0],
    ]);
  });

  it('stops decoding when its reader leaves the frames loop early', async () => {
    const clock = new ManualClock(0);
    const d = new AudioDepacketizer(clock, 0, PT, DEFAULT_AUDIO_TAP_OPTIONS);
    const ps = packets(10, 10, 0);
    for (const p of ps.slice(0, 5)) d.pushRtp(p);
    const seen: number[] = [];
    for await (const f of d.frames) {
      seen.push(f.ptsMs);
      if (seen.length === 2) break;
    }
    for (const p of ps.slice(5)) d.pushRtp(p);
    expect(seen).toEqual([0, 20]);
    expect(d.stats.received).toBe(5);
    expect(clock.pending).toBe(0);
  });
});
