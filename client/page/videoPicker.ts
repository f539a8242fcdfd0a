import { formatMmSs } from '../../protocol/time.js';
import type { SightlineClient, VideoAnswerEvent } from '../sdk/index.js';
import { listVideos } from '../sdk/video.js';

/**
 * "Ask about a video": a picker of the person's ready videos (the camera when
 * none is picked) and, after each answer about the picked video, its cited
 * moments as links into the timeline page.
 */
export class VideoPicker {
  readonly #select: HTMLSelectElement;
  readonly #answers: HTMLOListElement;
  readonly #client: SightlineClient;
  readonly #token: () => string | null;
  readonly #log: (line: string) => void;

  constructor(
    select: HTMLSelectElement,
    answers: HTMLOListElement,
    client: SightlineClient,
    token: () => string | null,
    log: (line: string) => void,
  ) {
    this.#select = select;
    this.#answers = answers;
    this.#client = client;
    this.#token = token;
    this.#log = log;
    select.addEventListener('change', () => void this.#pick());
    client.on('video_answer', (a) => this.#answer(a));
    client.on('video_progress', (p) => {
      if (p.status === 'ready') void this.refresh();
    });
  }

  /** Lists the ready videos again (keeps the current choice when it is still there). */
  async refresh(): Promise<void> {
    const token = this.#token();
    if (!token) return;
    try {
      const ready = (await listVideos({ token })).filter((v) => v.status === 'ready');
      const chosen = this.#select.value;
      const options = [new Option('The camera (no video)', '')];
      for (const v of ready) options.push(new Option(v.name, v.id));
      this.#select.replaceChildren(...options);
      this.#select.value = ready.some((v) => v.id === chosen) ? chosen : '';
    } catch (error) {
      this.#log(`could not list videos: ${String(error)}`);
    }
  }

  setEnabled(on: boolean): void {
    this.#select.disabled = !on;
  }

  async #pick(): Promise<void> {
    const id = this.#select.value || null;
    try {
      const { video } = await this.#client.selectVideo(id);
      this.#log(video ? `asking about ${video.name}` : 'asking about the camera');
    } catch (error) {
      this.#log(`could not pick the video: ${String(error)}`);
      this.#select.value = '';
    }
  }

  #answer(a: VideoAnswerEvent): void {
    const li = document.createElement('li');
    li.append(`${a.turnId}: `);
    if (a.citations.length === 0) li.append('no moment cited');
    for (const c of a.citations) {
      const link = document.createElement('a');
      link.href = `/timeline?video=${encodeURIComponent(a.videoId)}&t=${Math.floor(c.tMs / 1000)}`;
      link.textContent = c.label;
      link.setAttribute('aria-label', `Open the video at ${formatMmSs(c.tMs)}`);
      li.append(link, ' ');
    }
    this.#answers.append(li);
  }
}
