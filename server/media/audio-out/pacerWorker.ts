// The pacer thread: runs every call's Pacer (Opus encode + real-time pacing) away from the
// main thread, so its garbage collections and long tasks never delay a packet. Packets go out
// over UDP on loopback to each call's PlainTransport.
import { createSocket } from 'node:dgram';
import { parentPort } from 'node:worker_threads';
import { AsyncQueue } from '../../../core/asyncQueue.js';
import { systemClock } from '../../../core/clock.js';
import type { PcmChunk } from '../../../core/media.js';
import { SightlineError } from '../../../protocol/errors.js';
import { Pacer, type Playback } from './pacer.js';
import type { FromPacer, ToPacer } from './pacerProtocol.js';

const port = parentPort;
if (!port) throw new SightlineError('ERR_INTERNAL', 'pacerWorker must run as a worker thread');
const post = (m: FromPacer) => port.postMessage(m);
const epochMs = (clockMs: number) => performance.timeOrigin + clockMs;

const socket = createSocket('udp4');
socket.on('error', (e) => post({ t: 'error', message: e.message }));

const sinks = new Map<string, Pacer>();
const feeds = new Map<string, { queue: AsyncQueue<PcmChunk>; playback: Playback }>();

function report(p: Playback): void {
  post({
    t: 'progress',
    playbackId: p.id,
    playedMs: p.playedMs,
    firstPacketAtEpochMs: p.firstPacketAtMs === null ? null : epochMs(p.firstPacketAtMs),
  });
}

const statsTimer = setInterval(() => {
  for (const [sinkId, audio] of sinks) if (audio.active) post({ t: 'stats', sinkId, stats: audio.stats });
}, 250);
statsTimer.unref();

port.on('message', (m: ToPacer) => {
  switch (m.t) {
    case 'open': {
      const audio = new Pacer({
        clock: systemClock,
        payloadType: m.payloadType,
        ssrc: m.ssrc,
        sampleRateHz: m.sampleRateHz,
        idleSilence: m.idleSilence,
        send: (rtp) => socket.send(rtp, m.port, m.host),
        onSent: report,
      });
      sinks.set(m.sinkId, audio);
      return;
    }
    case 'play': {
      const sink = sinks.get(m.sinkId);
      const queue = new AsyncQueue<PcmChunk>(1 << 20);
      if (!sink) {
        post({
          t: 'done',
          playbackId: m.playbackId,
          result: { playedMs: 0, completed: false, reason: 'closed' },
        });
        return;
      }
      const playback = sink.play(queue, { id: m.playbackId });
      feeds.set(m.playbackId, { queue, playback });
      void playback.done.then((result) => {
        feeds.delete(m.playbackId);
        report(playback);
        post({ t: 'done', playbackId: m.playbackId, result });
        post({ t: 'stats', sinkId: m.sinkId, stats: sink.stats });
      });
      return;
    }
    case 'pcm':
      feeds.get(m.playbackId)?.queue.push(m.chunk);
      return;
    case 'end':
      feeds
        .get(m.playbackId)
        ?.queue.close(m.error ? new SightlineError('ERR_MEDIA', 'the audio source failed') : undefined);
      return;
    case 'cancel':
      feeds.get(m.playbackId)?.playback.cancel();
      return;
    case 'cancelAll':
      sinks.get(m.sinkId)?.cancelAll();
      return;
    case 'resetLateness':
      sinks.get(m.sinkId)?.resetLateness();
      return;
    case 'close': {
      const sink = sinks.get(m.sinkId);
      sinks.delete(m.sinkId);
      sink?.close();
      return;
    }
  }
});
