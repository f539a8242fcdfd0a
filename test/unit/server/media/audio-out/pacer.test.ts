import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../../core/clock.js';
import { Pacer } from '../../../../../server/media/audio-out/pacer.js';
import { parseRtp } from '../../../../../server/media/rtp.js';

function pcmSource(ms: number, chunkMs = 100): AsyncIterable<Int16Array> {
  return (async function* () {
    for (let t = 0; t < ms; t += chunkMs)
      yield new Int16Array((Math.min(chunkMs, ms - t) * 48000) / 1000).fill(1000);
  })();
}

/** Lets the source's async reads settle (they are promise-based, not timer-based). */
const settle = () => new Promise((r) => setImmediate(r));

async function setup() {
  const clock = new ManualClock(0);
  const sent: { atMs: number; rtp: ReturnType<typeof parseRtp> }[] = [];
  const audio = new Pacer({
    clock,
    payloadType: 100,
    ssrc: 42,
    send: (b) => sent.push({ atMs: clock.nowMs(), rtp: parseRtp(b) }),
  });
  return { clock, sent, audio };
}

async function run(clock: ManualClock, ms: number, lagMs = 0): Promise<void> {
  for (let t = 0; t < ms; t += 5) {
    await settle();
    clock.advance(5, lagMs);
  }
  await settle();
}

describe('Pacer', () => {
  it('sends one 20 ms Opus packet per slot, paced against the clock, with contiguous RTP time', async () => {
    const { clock, sent, audio } = await setup();
    const playback = audio.play(pcmSource(500));
    await run(clock, 700);
    const result = await playback.done;
    expect(result).toEqual({ playedMs: 500, completed: true, reason: 'completed' });
    expect(sent).toHaveLength(25);
    sent.forEach((s, i) => {
      expect(s.rtp?.sequenceNumber).toBe(((sent[0]?.rtp?.sequenceNumber ?? 0) + i) & 0xffff);
      expect(((s.rtp?.timestamp ?? 0) - (sent[0]?.rtp?.timestamp ?? 0)) >>> 0).toBe(i * 960);
      expect(s.rtp?.ssrc).toBe(42);
      expect(s.rtp?.marker).toBe(i === 0);
    });
    const first = sent[0]?.atMs ?? 0;
    for (const [i, s] of sent.entries()) expect(s.atMs - first).toBeGreaterThanOrEqual(i * 20 - 20);
    expect(audio.stats.packetsSent).toBe(25);
  });

  it('does not drift when every timer fires late: lateness stays bounded, packets are not lost', async () => {
    const { clock, sent, audio } = await setup();
    const playback = audio.play(pcmSource(2000));
    await run(clock, 2300, 7);
    expect((await playback.done).playedMs).toBe(2000);
    expect(sent).toHaveLength(100);
    const first = sent[0]?.atMs ?? 0;
    const last = sent.at(-1)?.atMs ?? 0;
    // Chained timers would end 100 × 7 ms late; scheduling against the clock ends within one lag.
    expect(last - first).toBeLessThanOrEqual(99 * 20 + 12);
    expect(audio.stats.latenessMaxMs).toBeLessThanOrEqual(12);
  });

  it('cuts off at a packet boundary on cancel and reports what was actually sent', async () => {
    const { clock, sent, audio } = await setup();
    const playback = audio.play(pcmSource(3000));
    await run(clock, 300);
    const before = sent.length;
    playback.cancel();
    await run(clock, 300);
    const result = await playback.done;
    expect(sent.length).toBe(before);
    expect(result.completed).toBe(false);
    expect(result.reason).toBe('cancelled');
    expect(result.playedMs).toBe(before * 20);
    expect(audio.active).toBe(false);
  });

  it('cancels through an AbortSignal and stops the source iterator', async () => {
    const { clock, audio } = await setup();
    let returned = false;
    const source = (async function* () {
      try {
        for (;;) yield new Int16Array(4800);
      } finally {
        returned = true;
      }
    })();
    const ac = new AbortController();
    const playback = audio.play(source, { signal: ac.signal });
    await run(clock, 100);
    ac.abort();
    await run(clock, 40);
    expect((await playback.done).reason).toBe('cancelled');
    expect(returned).toBe(true);
  });

  it('plays queued utterances back to back and cancelAll drops the queue', async () => {
    const { clock, sent, audio } = await setup();
    const a = audio.play(pcmSource(100));
    const b = audio.play(pcmSource(100));
    const c = audio.play(pcmSource(1000));
    await run(clock, 400);
    expect((await a.done).completed).toBe(true);
    expect((await b.done).completed).toBe(true);
    audio.cancelAll();
    const rc = await c.done;
    expect(rc.reason).toBe('cancelled');
    expect(sent.length * 20).toBe(200 + rc.playedMs);
  });

  it('reads ahead only a bounded amount of a fast source', async () => {
    const clock = new ManualClock(0);
    const audio = new Pacer({ clock, payloadType: 100, send: () => undefined, readAheadMs: 500 });
    let pulled = 0;
    const source = (async function* () {
      for (;;) {
        pulled++;
        yield new Int16Array(4800); // 100 ms
      }
    })();
    audio.play(source);
    for (let i = 0; i < 20; i++) await settle();
    expect(pulled).toBeLessThanOrEqual(6);
    audio.close();
  });
});
