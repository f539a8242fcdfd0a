import type { types as ms } from 'mediasoup';
import type { Clock } from '../clock.js';
import { type Playback, ReturnAudio, type ReturnAudioStats } from './returnAudio.js';

/**
 * The assistant's voice in a call: a DirectTransport producer fed by
 * `ReturnAudio` (48 kHz PCM → Opus → paced RTP). Browsers consume `producer`.
 */
export class AudioSink {
  readonly producer: ms.Producer;
  readonly #transport: ms.DirectTransport;
  readonly #audio: ReturnAudio;
  #closed = false;

  private constructor(transport: ms.DirectTransport, producer: ms.Producer, audio: ReturnAudio) {
    this.#transport = transport;
    this.producer = producer;
    this.#audio = audio;
  }

  static async create(p: { router: ms.Router; clock: Clock }): Promise<AudioSink> {
    const opus = p.router.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'audio/opus');
    if (!opus?.preferredPayloadType) throw new Error('router has no Opus codec');
    const transport = await p.router.createDirectTransport();
    try {
      let producer: ms.Producer | null = null;
      const audio = new ReturnAudio({
        clock: p.clock,
        payloadType: opus.preferredPayloadType,
        send: (rtp) => {
          if (producer && !producer.closed) producer.send(rtp);
        },
      });
      producer = await transport.produce({
        kind: 'audio',
        rtpParameters: {
          codecs: [
            {
              mimeType: 'audio/opus',
              payloadType: opus.preferredPayloadType,
              clockRate: 48000,
              channels: 2,
              parameters: { useinbandfec: 1 },
            },
          ],
          encodings: [{ ssrc: audio.ssrc }],
        },
        appData: { source: 'assistant' },
      });
      const sink = new AudioSink(transport, producer, audio);
      producer.observer.once('close', () => sink.close());
      return sink;
    } catch (error) {
      transport.close();
      throw error;
    }
  }

  /** Queues 48 kHz mono PCM for playback; see `ReturnAudio.play`. */
  play(source: AsyncIterable<Int16Array>, options?: { id?: string; signal?: AbortSignal }): Playback {
    return this.#audio.play(source, options);
  }

  /** Cuts the current utterance at the next packet boundary and drops queued ones. */
  cancelAll(): void {
    this.#audio.cancelAll();
  }

  /** Starts a new window for the pacing-lateness figures in `stats`. */
  resetLateness(): void {
    this.#audio.resetLateness();
  }

  get active(): boolean {
    return this.#audio.active;
  }

  get stats(): ReturnAudioStats {
    return this.#audio.stats;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#audio.close();
    if (!this.producer.closed) this.producer.close();
    if (!this.#transport.closed) this.#transport.close();
  }
}
