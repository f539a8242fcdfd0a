/**
 * Microphone and camera pickers filled from `enumerateDevices()` (labels appear
 * once the page may use the devices); a change calls `onPick` with the kind and id.
 */
export class DevicePickers {
  readonly #mic: HTMLSelectElement;
  readonly #camera: HTMLSelectElement;

  constructor(
    mic: HTMLSelectElement,
    camera: HTMLSelectElement,
    onPick: (kind: 'audioinput' | 'videoinput', deviceId: string) => void,
  ) {
    this.#mic = mic;
    this.#camera = camera;
    mic.addEventListener('change', () => onPick('audioinput', mic.value));
    camera.addEventListener('change', () => onPick('videoinput', camera.value));
    navigator.mediaDevices?.addEventListener('devicechange', () => void this.refresh());
  }

  /** The chosen ids ('' is the default device). */
  get microphoneId(): string {
    return this.#mic.value;
  }

  get cameraId(): string {
    return this.#camera.value;
  }

  /** Lists the devices again; keeps each choice when that device is still there. */
  async refresh(): Promise<void> {
    const devices = (await navigator.mediaDevices?.enumerateDevices()) ?? [];
    this.#fill(this.#mic, devices, 'audioinput', 'Microphone');
    this.#fill(this.#camera, devices, 'videoinput', 'Camera');
  }

  /** Shows the device a stream really uses (after a start or a switch). */
  showInUse(stream: MediaStream | null): void {
    const mic = stream?.getAudioTracks()[0]?.getSettings().deviceId;
    const cam = stream?.getVideoTracks()[0]?.getSettings().deviceId;
    if (mic && [...this.#mic.options].some((o) => o.value === mic)) this.#mic.value = mic;
    if (cam && [...this.#camera.options].some((o) => o.value === cam)) this.#camera.value = cam;
  }

  #fill(select: HTMLSelectElement, devices: MediaDeviceInfo[], kind: MediaDeviceKind, noun: string): void {
    const chosen = select.value;
    const options = [new Option(`Default ${noun.toLowerCase()}`, '')];
    let n = 0;
    for (const d of devices) {
      if (d.kind !== kind || !d.deviceId || d.deviceId === 'default') continue;
      options.push(new Option(d.label || `${noun} ${++n}`, d.deviceId));
    }
    select.replaceChildren(...options);
    select.value = options.some((o) => o.value === chosen) ? chosen : '';
  }
}
