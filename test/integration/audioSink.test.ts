import type { types as ms } from 'mediasoup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { silentLogger } from '../../core/log.js';
import type { AudioFrame, PcmChunk } from '../../core/media.js';
import { createResampler } from '../../pipelines/audio/resample.js';
import { AudioTap } from '../../server/media/audio-in/audioTap.js';
import { AudioSink } from '../../server/media/audio-out/audioSink.js';
import { WorkerPool } from '../../server/media/workerPool.js';
import { captureLog, waitFor } from '../helpers/server.js';
import { toneBurst } from '../helpers/toneProbe.js';

let pool: WorkerPool;
let router: ms.Router;
beforeAll(async () => {
  pool = await WorkerPool.create({ size: 1, rtcMinPort: 40000, rtcMaxPort: 49999 }, silentLogger);
  router = await pool.createRouter();
});
afterAll(() => pool.close());

/** A tap on the sink's own producer: what the browser would receive, decoded. */
function tapOn(sink: AudioSink): Promise<AudioTap> {
  return AudioTap.create({
    router,
    producer: sink.producer,
    clock: systemClock,
    callStartMs: 0,
    log: silentLogger,
  });
}

/** A frame that carries the tone rather than silence or codec noise. */
const isLoud = (f: AudioFrame): boolean => f.samples.some((v) => Math.abs(v) > 3000);

/** A sink with a tap on its own producer, collecting the frames it hears. */
async function sinkWithEar(log = silentLogger) {
  const sink = await AudioSink.create({ router, log });
  const tap = await tapOn(sink);
  const frames: AudioFrame[] = [];
  void (async () => {
    for await (const f of tap.frames) frames.push(f);
  })();
  const loud = () => frames.filter(isLoud).length;
  return { sink, tap, frames, loud };
}

describe('AudioSink (pacer thread → loopback UDP → PlainTransport producer)', () => {
  it('plays an utterance whole, paced, and reports what was sent', async () => {
    const { sink, tap, loud } = await sinkWithEar();
    const p = sink.play(toneBurst(1000));
    const result = await p.done;
    expect(result).toEqual({ playedMs: 1000, completed: true, reason: 'completed' });
    expect(p.firstPacketAtMs).not.toBeNull();
    await waitFor(() => loud() >= 48, 2000, 'the tone at the ear');
    await waitFor(() => sink.stats.packetsSent === 50, 2000, 'stats from the pacer thread');
    sink.close();
    tap.close();
  });

  it('cuts off at a packet boundary on cancel: what was heard matches playedMs', async () => {
    const { sink, tap, loud } = await sinkWithEar();
    const p = sink.play(toneBurst(3000));
    await waitFor(() => p.playedMs >= 300, 3000, '300 ms played');
    p.cancel();
    const result = await p.done;
    expect(result.reason).toBe('cancelled');
    expect(result.playedMs % 20).toBe(0);
    expect(result.playedMs).toBeLessThan(600);
    await new Promise((r) => setTimeout(r, 300));
    expect(Math.abs(loud() - result.playedMs / 20)).toBeLessThanOrEqual(2);
    sink.close();
    tap.close();
  });

  it('reads a fast source only about a second ahead of playback', async () => {
    const { sink, tap } = await sinkWithEar();
    let pulledMs = 0;
    const source = (async function* () {
      for (;;) {
        pulledMs += 100;
        yield { samples: new Int16Array(4800).fill(500), sampleRateHz: 48000, ptsMs: pulledMs - 100 };
      }
    })();
    const p = sink.play(source);
    await new Promise((r) => setTimeout(r, 500));
    expect(pulledMs - p.playedMs).toBeLessThanOrEqual(1200);
    p.cancel();
    await p.done;
    sink.close();
    tap.close();
  });

  it('ends pending utterances as closed when the sink closes', async () => {
    const { sink, tap } = await sinkWithEar();
    const a = sink.play(toneBurst(2000));
    const b = sink.play(toneBurst(2000));
    sink.close();
    expect((await a.done).reason).toBe('closed');
    expect((await b.done).reason).toBe('closed');
    expect((await sink.play(toneBurst(100)).done).reason).toBe('closed');
    tap.close();
  });
});

describe('AudioTap when its reader leaves the frames loop', () => {
  it('closes itself: consumer and transport released, closed and whenClosed say so', async () => {
    const sink = await AudioSink.create({ router });
    const tap = await tapOn(sink);
    const transportsWithTap = (await router.dump()).transportIds.length;
    const playback = sink.play(toneBurst(3000));
    let frames = 0;
    for await (const _ of tap.frames) {
      if (++frames === 5) break;
    }
    expect(tap.closed).toBe(true);
    await tap.whenClosed;
    expect((await router.dump()).transportIds.length).toBe(transportsWithTap - 1);
    expect(sink.producer.closed).toBe(false);
    playback.cancel();
    await playback.done;
    sink.close();
  });
});

describe('a 24 kHz voice through the resampler into the sink', () => {
  /** 440 Hz at 24 kHz in 20 ms chunks, for `ms`. */
  async function* voice24k(ms: number): AsyncGenerator<PcmChunk> {
    for (let k = 0; k < ms / 20; k++) {
      const samples = new Int16Array(480);
      for (let i = 0; i < 480; i++)
        samples[i] = Math.round(12000 * Math.sin((2 * Math.PI * 440 * (k * 480 + i)) / 24000));
      yield { samples, sampleRateHz: 24000, ptsMs: k * 20 };
    }
  }
  const resample = createResampler({ targetRateHz: 48000 });

  it('plays at the right pitch and length', async () => {
    const { sink, tap, frames, loud } = await sinkWithEar();
    const result = await sink.play(resample(voice24k(1000), { log: silentLogger })).done;
    expect(result).toEqual({ playedMs: 1000, completed: true, reason: 'completed' });
    await waitFor(() => loud() >= 45, 2000, 'the tone');
    // Rising zero crossings over the loud frames (16 kHz at the ear): 440 per second, not 880 or 220.
    const loudFrames = frames.filter(isLoud).slice(5, 40);
    let crossings = 0;
    for (const f of loudFrames)
      for (let i = 1; i < f.samples.length; i++)
        if ((f.samples[i - 1] as number) < 0 && (f.samples[i] as number) >= 0) crossings++;
    expect(crossings / (loudFrames.length * 0.02)).toBeCloseTo(440, -1);
    sink.close();
    tap.close();
  });

  it('aborting the turn cancels the playback quietly: no error logged for the resampler stopping', async () => {
    const { log, at } = captureLog();
    const { sink, tap } = await sinkWithEar(log);
    const turn = new AbortController();
    const p = sink.play(resample(voice24k(5000), { log, signal: turn.signal }), { signal: turn.signal });
    await waitFor(() => p.playedMs >= 200, 3000, '200 ms played');
    turn.abort();
    expect((await p.done).reason).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 100));
    expect(at('error')).toEqual([]);
    sink.close();
    tap.close();
  });
});

describe('AudioSink refusing what it cannot play', () => {
  it('refuses a chunk at another rate: ERR_AUDIO_FORMAT, logged, source stopped, no wrong-speed audio', async () => {
    const { log, records } = captureLog();
    const { sink, tap, loud } = await sinkWithEar(log);
    let returned = false;
    const tts24k = (async function* (): AsyncGenerator<PcmChunk> {
      try {
        for (let k = 0; ; k++)
          yield { samples: new Int16Array(2400).fill(9000), sampleRateHz: 24000, ptsMs: k * 100 };
      } finally {
        returned = true;
      }
    })();
    const result = await sink.play(tts24k).done;
    expect(result).toMatchObject({ playedMs: 0, completed: false, reason: 'error' });
    expect(result.error).toMatchObject({ code: 'ERR_AUDIO_FORMAT' });
    expect(returned).toBe(true);
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 'error',
        error: expect.objectContaining({ code: 'ERR_AUDIO_FORMAT' }),
      }),
    );
    await new Promise((r) => setTimeout(r, 200));
    expect(loud()).toBe(0);
    // The sink still plays what it was made for.
    expect((await sink.play(toneBurst(100)).done).completed).toBe(true);
    sink.close();
    tap.close();
  });

  it('logs an error thrown by the audio source and ends the utterance with reason "error"', async () => {
    const { log, records } = captureLog();
    const { sink, tap } = await sinkWithEar(log);
    const failing = (async function* (): AsyncGenerator<PcmChunk> {
      yield { samples: new Int16Array(4800).fill(500), sampleRateHz: 48000, ptsMs: 0 };
      throw new Error('synthesis failed');
    })();
    const result = await sink.play(failing).done;
    expect(result).toMatchObject({
      completed: false,
      reason: 'error',
      error: { message: 'synthesis failed' },
    });
    expect(result.playedMs).toBe(100);
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 'error',
        error: expect.objectContaining({ message: 'synthesis failed' }),
      }),
    );
    sink.close();
    tap.close();
  });
});

describe('AudioSink when the pacer thread dies', () => {
  it('ends what was playing with reason "error", and the next sink gets a new thread', async () => {
    const { PacerThread } = await import('../../server/media/audio-out/pacerThread.js');
    const { sink, tap } = await sinkWithEar();
    const p = sink.play(toneBurst(3000));
    await waitFor(() => p.playedMs >= 100, 3000, 'playback to start');
    const old = PacerThread.shared();
    await old.terminate();
    const result = await p.done;
    expect(result.reason).toBe('error');
    expect(result.playedMs).toBeGreaterThanOrEqual(100);
    expect((await sink.play(toneBurst(100)).done).reason).toBe('error');
    sink.close();
    tap.close();
    const next = await sinkWithEar();
    expect(PacerThread.shared()).not.toBe(old);
    expect((await next.sink.play(toneBurst(200)).done).completed).toBe(true);
    next.sink.close();
    next.tap.close();
  });
});
