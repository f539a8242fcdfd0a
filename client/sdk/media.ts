import type { types as msc } from 'mediasoup-client';
import { SightlineError } from '../../protocol/errors.js';
import type { Method, RequestData, ResponseDataMap } from '../../protocol/wire.js';
import type { StartOptions } from './api.js';
import { DEFAULT_VIDEO_SEND, type VideoSendOptions } from './client.js';

/** Sends one signaling request on the session's current connection. */
export type MediaRequest = <M extends Method>(method: M, data: RequestData<M>) => Promise<ResponseDataMap[M]>;

const VOICE_AUDIO: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true };

/**
 * The person's devices on the send transport: microphone, camera and a shared
 * screen, each as a producer. What each producer should send follows from the
 * flags (muted, push-to-talk pressed, screen shared) and is applied on both
 * sides: `producer.pause()` (no RTP at all: `zeroRtpOnPause`) and
 * `pauseProducer`, so a muted microphone's audio never reaches the server.
 */
export class LocalMedia {
  readonly #transport: msc.Transport;
  readonly #request: MediaRequest;
  readonly #onStream: (stream: MediaStream) => void;
  readonly #videoSend: Required<VideoSendOptions>;
  #mic: msc.Producer | null = null;
  #camera: msc.Producer | null = null;
  #screen: msc.Producer | null = null;
  #micTrack: MediaStreamTrack | null = null;
  #cameraTrack: MediaStreamTrack | null = null;
  #screenTrack: MediaStreamTrack | null = null;
  #stream: MediaStream | null = null;
  #audioConstraints: MediaTrackConstraints = VOICE_AUDIO;
  #videoConstraints: MediaTrackConstraints = {};
  #micMuted = false;
  #cameraMuted = false;
  #pushToTalk = false;
  #talking = false;
  /** Serialises pause/resume so flags and producers never disagree. */
  #sync: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(
    transport: msc.Transport,
    request: MediaRequest,
    onStream: (stream: MediaStream) => void,
    videoSend: VideoSendOptions = {},
  ) {
    this.#transport = transport;
    this.#request = request;
    this.#onStream = onStream;
    this.#videoSend = { ...DEFAULT_VIDEO_SEND, ...videoSend };
  }

  get stream(): MediaStream | null {
    return this.#stream;
  }
  get microphoneMuted(): boolean {
    return this.#micMuted;
  }
  get cameraMuted(): boolean {
    return this.#cameraMuted;
  }
  get screenSharing(): boolean {
    return this.#screen !== null;
  }
  get pushToTalk(): boolean {
    return this.#pushToTalk;
  }

  /** Captures and produces the devices `options` asks for. */
  async publish(options: StartOptions): Promise<void> {
    const audio = options.audio ?? true;
    const video = options.video ?? true;
    this.#pushToTalk = options.pushToTalk ?? false;
    if (audio) {
      this.#audioConstraints = { ...VOICE_AUDIO, ...(audio === true ? {} : audio) };
      if (options.devices?.microphoneId) {
        this.#audioConstraints.deviceId = { exact: options.devices.microphoneId };
      }
    }
    if (video && video !== 'screen') {
      this.#videoConstraints = { ...(video === true ? {} : video) };
      if (options.devices?.cameraId) this.#videoConstraints.deviceId = { exact: options.devices.cameraId };
    }
    const wantsCamera = video !== false && video !== 'screen';
    if (audio || wantsCamera) {
      const captured = await getUserMedia({
        audio: audio ? this.#audioConstraints : false,
        video: wantsCamera ? this.#videoConstraints : false,
      });
      this.#dropIfClosed(captured.getTracks());
      this.#micTrack = captured.getAudioTracks()[0] ?? null;
      this.#cameraTrack = captured.getVideoTracks()[0] ?? null;
    }
    if (this.#micTrack) {
      this.#mic = await this.#transport.produce({
        track: this.#micTrack,
        appData: { source: 'mic' },
        codecOptions: { opusDtx: false },
        stopTracks: false,
        zeroRtpOnPause: true,
      });
    }
    if (this.#cameraTrack) this.#camera = await this.#produceCamera(this.#cameraTrack);
    this.#emitStream();
    if (video === 'screen') await this.shareScreen(true);
    await this.#apply();
  }

  async setMicrophoneMuted(muted: boolean): Promise<void> {
    this.#micMuted = muted;
    await this.#apply();
  }

  async setCameraMuted(muted: boolean): Promise<void> {
    this.#cameraMuted = muted;
    await this.#apply();
  }

  /** Push-to-talk pressed or released: the microphone follows, and the server hears of it. */
  async talk(pressed: boolean): Promise<void> {
    if (!this.#pushToTalk) {
      throw new SightlineError('ERR_INVALID_STATE', 'push-to-talk is off: start({ pushToTalk: true })');
    }
    this.#talking = pressed;
    if (pressed) {
      await this.#apply();
      await this.#request('pushToTalk', { pressed: true });
    } else {
      await this.#request('pushToTalk', { pressed: false });
      await this.#apply();
    }
  }

  async switchMicrophone(deviceId: string): Promise<void> {
    const producer = this.#needs(this.#mic, 'microphone');
    this.#audioConstraints = { ...this.#audioConstraints, deviceId: { exact: deviceId } };
    const track = (await getUserMedia({ audio: this.#audioConstraints })).getAudioTracks()[0];
    if (!track) throw new SightlineError('ERR_MEDIA', 'the microphone gave no audio track');
    this.#dropIfClosed([track]);
    await producer.replaceTrack({ track });
    this.#micTrack?.stop();
    this.#micTrack = track;
    this.#emitStream();
  }

  async switchCamera(deviceId: string): Promise<void> {
    const producer = this.#needs(this.#camera, 'camera');
    this.#videoConstraints = { ...this.#videoConstraints, deviceId: { exact: deviceId } };
    const track = (await getUserMedia({ video: this.#videoConstraints })).getVideoTracks()[0];
    if (!track) throw new SightlineError('ERR_MEDIA', 'the camera gave no video track');
    this.#dropIfClosed([track]);
    if (this.#videoSend.maintainResolution) track.contentHint = 'detail';
    await producer.replaceTrack({ track });
    this.#cameraTrack?.stop();
    this.#cameraTrack = track;
    this.#emitStream();
  }

  /** The screen as the video the assistant sees (the camera pauses), or back to the camera. */
  async shareScreen(on: boolean): Promise<void> {
    if (on === (this.#screen !== null)) return;
    if (on) {
      const display = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
      this.#dropIfClosed(display.getTracks());
      const track = display.getVideoTracks()[0];
      if (!track) throw new SightlineError('ERR_MEDIA', 'the screen share gave no video track');
      track.contentHint = 'detail';
      // The person may stop sharing from the browser's own bar: back to the camera then.
      track.addEventListener('ended', this.#onScreenEnded, { once: true });
      this.#screenTrack = track;
      try {
        this.#screen = await this.#transport.produce({
          track,
          appData: { source: 'screen' },
          stopTracks: false,
        });
      } catch (error) {
        this.#stopScreenTrack();
        throw new SightlineError('ERR_MEDIA', 'could not send the screen', { cause: error });
      }
    } else {
      const producer = this.#screen;
      this.#screen = null;
      this.#stopScreenTrack();
      if (producer) {
        producer.close();
        await this.#request('closeProducer', { producerId: producer.id }).catch(() => undefined);
      }
    }
    this.#emitStream();
    await this.#apply();
  }

  /** Stops every device and producer (the transport closes them on the server). */
  close(): void {
    this.#closed = true;
    for (const p of [this.#mic, this.#camera, this.#screen]) p?.close();
    this.#mic = this.#camera = this.#screen = null;
    this.#stopScreenTrack();
    for (const t of [this.#micTrack, this.#cameraTrack]) t?.stop();
    this.#micTrack = this.#cameraTrack = null;
    this.#stream = null;
  }

  readonly #onScreenEnded = (): void => {
    if (!this.#closed) void this.shareScreen(false).catch(() => undefined);
  };

  #stopScreenTrack(): void {
    this.#screenTrack?.removeEventListener('ended', this.#onScreenEnded);
    this.#screenTrack?.stop();
    this.#screenTrack = null;
  }

  /** Devices granted after the call closed (a hang-up during the browser's prompt) are stopped at once. */
  #dropIfClosed(tracks: MediaStreamTrack[]): void {
    if (!this.#closed) return;
    for (const t of tracks) t.stop();
    throw new SightlineError('ERR_ABORTED', 'the call ended while the devices were being opened');
  }

  #needs(producer: msc.Producer | null, what: string): msc.Producer {
    if (!producer) throw new SightlineError('ERR_INVALID_STATE', `no ${what} is being sent`);
    return producer;
  }

  /** Pauses or resumes each producer (here and on the server) to match the flags. */
  #apply(): Promise<void> {
    const run = async () => {
      const micOn = !this.#micMuted && (!this.#pushToTalk || this.#talking);
      await this.#setSending(this.#mic, micOn);
      await this.#setSending(this.#camera, !this.#cameraMuted && this.#screen === null);
      await this.#setSending(this.#screen, !this.#cameraMuted);
    };
    this.#sync = this.#sync.then(run, run);
    return this.#sync;
  }

  async #setSending(producer: msc.Producer | null, on: boolean): Promise<void> {
    if (!producer || producer.closed || producer.paused === !on) return;
    if (on) {
      producer.resume();
      await this.#request('resumeProducer', { producerId: producer.id });
    } else {
      producer.pause();
      await this.#request('pauseProducer', { producerId: producer.id });
    }
  }

  #emitStream(): void {
    const video = this.#screenTrack ?? this.#cameraTrack;
    const tracks = [this.#micTrack, video].filter((t): t is MediaStreamTrack => t !== null);
    this.#stream = new MediaStream(tracks);
    this.#onStream(this.#stream);
  }

  /** Sends the camera at its capture resolution from the first frames (see VideoSendOptions). */
  #produceCamera(track: MediaStreamTrack): Promise<msc.Producer> {
    const v = this.#videoSend;
    if (v.maintainResolution) track.contentHint = 'detail';
    return this.#transport.produce({
      track,
      appData: { source: 'camera' },
      stopTracks: false,
      ...(v.maxBitrateKbps > 0
        ? { encodings: [{ maxBitrate: v.maxBitrateKbps * 1000, scaleResolutionDownBy: 1 }] }
        : {}),
      ...(v.startBitrateKbps > 0 ? { codecOptions: { videoGoogleStartBitrate: v.startBitrateKbps } } : {}),
    });
  }
}

/** getUserMedia with the browser's refusal as a typed error. */
async function getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
  try {
    return await navigator.mediaDevices.getUserMedia(constraints);
  } catch (error) {
    const name = error instanceof Error ? error.name : 'Error';
    throw new SightlineError('ERR_MEDIA', `the browser refused the devices (${name})`, { cause: error });
  }
}
