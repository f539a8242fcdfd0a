import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import type { types as ms } from 'mediasoup';
import { OpusEncoder } from '../../server/media/opus.js';
import { buildRtp, parseRtp } from '../../server/media/rtp.js';

/** A recorded RTP stream: packets with their send offsets, replayable in a loop. */
export interface RtpRecording {
  packets: { offsetMs: number; seq: number; ts: number; marker: boolean; payload: Buffer }[];
  durationMs: number;
  clockHz: number;
}

/** 20 ms Opus packets of a warbling tone, encoded once. */
export function recordOpus(durationMs: number): RtpRecording {
  const enc = new OpusEncoder(48000);
  const packets: RtpRecording['packets'] = [];
  for (let k = 0; k < durationMs / 20; k++) {
    const pcm = new Int16Array(960);
    for (let i = 0; i < 960; i++) {
      const t = (k * 960 + i) / 48000;
      pcm[i] = Math.round(6000 * Math.sin(2 * Math.PI * (220 + 80 * Math.sin(t * 3)) * t));
    }
    packets.push({ offsetMs: k * 20, seq: k, ts: k * 960, marker: k === 0, payload: enc.encode(pcm) });
  }
  enc.dispose();
  return { packets, durationMs, clockHz: 48000 };
}

/** What `recordVideo` can encode. */
export type VideoCodecName = 'VP8' | 'H264';

const ENCODERS: Record<VideoCodecName, string[]> = {
  VP8: ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '600k'],
  H264: [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'baseline',
    '-pix_fmt',
    'yuv420p',
  ],
};

/** Real video RTP from ffmpeg (`source` is a lavfi graph), captured once in real time. */
export async function recordVideo(
  codec: VideoCodecName,
  durationMs: number,
  source = 'testsrc2=size=640x480:rate=15',
  payloadType = 101,
): Promise<RtpRecording> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  const packets: RtpRecording['packets'] = [];
  let t0: number | null = null;
  let seq0 = 0;
  let ts0 = 0;
  sock.on('message', (buf) => {
    const p = parseRtp(buf);
    if (!p) return;
    const now = performance.now();
    if (t0 === null) {
      t0 = now;
      seq0 = p.sequenceNumber;
      ts0 = p.timestamp;
    }
    packets.push({
      offsetMs: now - t0,
      seq: (p.sequenceNumber - seq0) & 0xffff,
      ts: (p.timestamp - ts0) >>> 0,
      marker: p.marker,
      payload: Buffer.from(p.payload),
    });
  });
  const ff = spawn('ffmpeg', [
    ...['-v', 'error', '-re', '-f', 'lavfi', '-i', source, '-t', String(durationMs / 1000)],
    ...ENCODERS[codec],
    ...[
      '-g',
      '15',
      '-keyint_min',
      '15',
      '-payload_type',
      String(payloadType),
      '-f',
      'rtp',
      `rtp://127.0.0.1:${port}`,
    ],
  ]);
  await new Promise((r) => ff.once('exit', r));
  sock.close();
  return { packets, durationMs, clockHz: 90000 };
}

/** Replays recordings into DirectTransport producers, looping with continuous seq/ts. */
export class Replayer {
  readonly #streams: {
    producer: ms.Producer;
    rec: RtpRecording;
    pt: number;
    ssrc: number;
    startMs: number;
    next: number;
    loop: number;
  }[] = [];
  #timer: NodeJS.Timeout | null = null;

  add(producer: ms.Producer, rec: RtpRecording, pt: number, ssrc: number): void {
    this.#streams.push({ producer, rec, pt, ssrc, startMs: performance.now(), next: 0, loop: 0 });
    if (!this.#timer) this.#timer = setInterval(() => this.#tick(), 5);
  }

  #tick(): void {
    const now = performance.now();
    for (const s of this.#streams) {
      if (s.producer.closed) continue;
      for (;;) {
        const p = s.rec.packets[s.next];
        if (!p) {
          s.next = 0;
          s.loop++;
          continue;
        }
        if (s.startMs + s.loop * s.rec.durationMs + p.offsetMs > now) break;
        const seqSpan = s.rec.packets.length;
        const tsSpan = (s.rec.durationMs * s.rec.clockHz) / 1000;
        s.producer.send(
          buildRtp({
            payloadType: s.pt,
            marker: p.marker,
            sequenceNumber: (p.seq + s.loop * seqSpan) & 0xffff,
            timestamp: (p.ts + s.loop * tsSpan) >>> 0,
            ssrc: s.ssrc,
            payload: p.payload,
          }),
        );
        s.next++;
      }
    }
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#streams.length = 0;
  }
}
