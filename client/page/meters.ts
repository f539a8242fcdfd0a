/** How often a meter reads its analyser (ms); a timer, not animation frames, so hidden tabs keep measuring. */
const READ_EVERY_MS = 50;
/** RMS (of full scale) shown as a full meter. */
const FULL_SCALE_RMS = 0.3;

let shared: AudioContext | null = null;
function audioContext(): AudioContext {
  shared ??= new AudioContext();
  if (shared.state === 'suspended') void shared.resume();
  return shared;
}

/**
 * A live level meter for one audio track: an AnalyserNode on the track, its RMS
 * shown in a `<meter>` (0–1) and kept as `level`; `peak` is the loudest RMS
 * since the track was attached (tests read it to know the audio was heard).
 */
export class LevelMeter {
  readonly #el: HTMLMeterElement;
  #source: MediaStreamAudioSourceNode | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #level = 0;
  #peak = 0;

  constructor(el: HTMLMeterElement) {
    this.#el = el;
  }

  get level(): number {
    return this.#level;
  }

  get peak(): number {
    return this.#peak;
  }

  /** Measures `track` (replacing the previous one); null stops measuring. */
  attach(track: MediaStreamTrack | null): void {
    this.#stop();
    if (!track) return;
    const ctx = audioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    this.#source = ctx.createMediaStreamSource(new MediaStream([track]));
    this.#source.connect(analyser);
    const buf = new Float32Array(analyser.fftSize);
    this.#peak = 0;
    this.#timer = setInterval(() => {
      analyser.getFloatTimeDomainData(buf);
      let sum = 0;
      for (const v of buf) sum += v * v;
      this.#show(Math.sqrt(sum / buf.length));
    }, READ_EVERY_MS);
  }

  #show(rms: number): void {
    this.#level = rms;
    this.#peak = Math.max(this.#peak, rms);
    this.#el.value = Math.min(1, rms / FULL_SCALE_RMS);
  }

  #stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#source?.disconnect();
    this.#source = null;
    this.#level = 0;
    this.#el.value = 0;
  }
}
