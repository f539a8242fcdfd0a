import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../../core/clock.js';
import { type LogFields, silentLogger } from '../../../../../core/log.js';
import type { PcmChunk } from '../../../../../core/media.js';
import { Pacer, type PlaybackResult } from '../../../../../server/media/audio-out/pacer.js';
import { parseRtp } from '../../../../../server/media/rtp.js';

const chunk = (samples: Int16Array, ptsMs = 0, sampleRateHz = 48000): PcmChunk => ({
  samples,
  sampleRateHz,
  ptsMs,
});

function pcmSource(ms: number, chunkMs = 100, sampleRateHz = 48000): AsyncIterable<PcmChunk> {
  return (async function* () {
    for (let t = 0; t < ms; t += chunkMs)
      yield chunk(
        new Int16Array((Math.min(chunkMs, ms - t) * sampleRateHz) / 1000).fill(1000),
        t,
        sampleRateHz,
      );
  })();
}

/** The playback's result once it has ended, or undefined while it has not (never waits). */
function outcome(playback: { done: Promise<PlaybackResult> }): () => PlaybackResult | undefined {
  let result: PlaybackResult | undefined;
  void playback.done.then((r) => {
    result = r;
  });
  return () => result;
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
  it('with idleSilence, keeps one stream going: silence between utterances, the reply mid-stream, nothing after close', async () => {
    const clock = new ManualClock(0);
    const sent: { atMs: number; rtp: ReturnType<typeof parseRtp> }[] = [];
    const audio = new Pacer({
      clock,
      payloadType: 100,
      ssrc: 7,
      idleSilence: true,
      send: (b) => sent.push({ atMs: clock.nowMs(), rtp: parseRtp(b) }),
    });
    await run(clock, 100);
    const idle = sent.length;
    expect(idle).toBeGreaterThanOrEqual(5);
    const playback = audio.play(pcmSource(200));
    await run(clock, 300);
    expect((await playback.done).completed).toBe(true);
    expect(audio.stats.packetsSent).toBe(10); // only the utterance counts as sent audio
    const seq0 = sent[0]?.rtp?.sequenceNumber ?? 0;
    const ts0 = sent[0]?.rtp?.timestamp ?? 0;
    sent.forEach((s, i) => {
      expect(s.rtp?.sequenceNumber).toBe((seq0 + i) & 0xffff);
      expect(((s.rtp?.timestamp ?? 0) - ts0) >>> 0).toBe(i * 960);
    });
    // Every idle slot carries the same encoded silent frame; the utterance's 10 packets are the others.
    const silence = sent[0]?.rtp?.payload;
    const speech = sent.filter((s) => !(silence && s.rtp?.payload.equals(silence)));
    expect(speech).toHaveLength(10);
    expect(sent.length).toBeGreaterThan(idle + 10); // silence again after the reply
    audio.close();
    const atClose = sent.length;
    await run(clock, 100);
    expect(sent.length).toBe(atClose);
  });

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
        for (;;) yield chunk(new Int16Array(4800));
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
        yield chunk(new Int16Array(4800)); // 100 ms
      }
    })();
    audio.play(source);
    for (let i = 0; i < 20; i++) await settle();
    expect(pulled).toBeLessThanOrEqual(6);
    audio.close();
  });

  it('reports what was really played of a source that is not a whole number of 20 ms frames', async () => {
    const { clock, sent, audio } = await setup();
    const playback = audio.play(pcmSource(510, 30));
    await run(clock, 700);
    expect(await playback.done).toEqual({ playedMs: 510, completed: true, reason: 'completed' });
    expect(sent).toHaveLength(26);
  });

  it('plays a new utterance after one was cancelled while its next packet was already encoded', async () => {
    // Race: the cancelled playback's next frame is encoded ahead of its slot; left in place,
    // it matches no playback in the queue and every later utterance waits behind it forever.
    const { clock, sent, audio } = await setup();
    const first = audio.play(pcmSource(1000));
    await run(clock, 100);
    first.cancel();
    expect((await first.done).reason).toBe('cancelled');
    const sentBefore = sent.length;
    const second = outcome(audio.play(pcmSource(200)));
    await run(clock, 400);
    expect(second()).toEqual({ playedMs: 200, completed: true, reason: 'completed' });
    expect(sent.length - sentBefore).toBe(10);
  });

  it('plays a new utterance after cancelAll cut one mid-stream', async () => {
    const { clock, audio } = await setup();
    audio.play(pcmSource(1000));
    await run(clock, 100);
    audio.cancelAll();
    const next = outcome(audio.play(pcmSource(100)));
    await run(clock, 300);
    expect(next()?.completed).toBe(true);
  });

  it('refuses a chunk at another rate: what came before plays, the playback ends with ERR_AUDIO_FORMAT', async () => {
    const { clock, sent, audio } = await setup();
    let returned = false;
    const source = (async function* () {
      try {
        yield chunk(new Int16Array(4800).fill(1000)); // 100 ms at 48 kHz
        yield chunk(new Int16Array(2400).fill(1000), 100, 24000);
        yield chunk(new Int16Array(4800).fill(1000), 200);
      } finally {
        returned = true;
      }
    })();
    const playback = audio.play(source);
    await run(clock, 400);
    const result = await playback.done;
    expect(result).toMatchObject({ playedMs: 100, completed: false, reason: 'error' });
    expect(result.error).toMatchObject({ code: 'ERR_AUDIO_FORMAT' });
    expect(sent).toHaveLength(5);
    expect(returned).toBe(true);
  });

  it('ends a playback whose source throws with reason "error" and that error', async () => {
    const { clock, audio } = await setup();
    const boom = new Error('tts died');
    const source = (async function* () {
      yield chunk(new Int16Array(960));
      throw boom;
    })();
    const playback = audio.play(source);
    await run(clock, 100);
    expect(await playback.done).toEqual({ playedMs: 20, completed: false, reason: 'error', error: boom });
  });

  it('logs a source that fails while being stopped', async () => {
    const clock = new ManualClock(0);
    const logged: [string, LogFields | undefined][] = [];
    const log = { ...silentLogger, warn: (msg: string, fields?: LogFields) => logged.push([msg, fields]) };
    const audio = new Pacer({ clock, payloadType: 100, send: () => undefined, log });
    const source: AsyncIterable<PcmChunk> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => ({ value: chunk(new Int16Array(4800)), done: false }),
        return: async () => {
          throw new Error('cannot stop');
        },
      }),
    };
    const playback = audio.play(source);
    await run(clock, 60);
    playback.cancel();
    await run(clock, 20);
    expect(logged).toEqual([
      ['audio source failed while stopping', { playbackId: playback.id, error: expect.any(Error) }],
    ]);
  });
});
