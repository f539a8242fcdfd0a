import { formatMmSs } from '../../protocol/time.js';
import type { IngestProgress, Session } from '../sdk/api.js';
import type { VideoAnswerEvent } from '../sdk/index.js';

/**
 * "Ask about a video": a picker of the person's ready videos (the camera when
 * none is picked) and, after each answer about the picked video, its cited
 * moments as links into the timeline page.
 */
export class VideoPicker {
  readonly #select: HTMLSelectElement;
  readonly #answers: HTMLOListElement;
  readonly #log: (line: string) => void;
  #session: Session | null = null;

  constructor(select: HTMLSelectElement, answers: HTMLOListElement, log: (line: string) => void) {
    this.#select = select;
    this.#answers = answers;
    this.#log = log;
    select.addEventListener('change', () => void this.#pick());
  }

  /** Follows a new session (null: none; the picker is disabled). */
  use(session: Session | null): void {
    this.#session = session;
    this.#select.disabled = session === null;
    if (!session) return;
    session.on('videoAnswer', (a) => this.#answer(a));
    session.on('videoProgress', (p: IngestProgress) => {
      if (p.status === 'ready') void this.refresh();
    });
    void this.refresh();
  }

  /** Lists the ready videos again (keeps the current choice when it is still there). */
  async refresh(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    try {
      const ready = (await session.listVideos()).filter((v) => v.status === 'ready');
      const chosen = this.#select.value;
      const options = [new Option('The camera (no video)', '')];
      for (const v of ready) options.push(new Option(v.name, v.id));
      this.#select.replaceChildren(...options);
      this.#select.value = ready.some((v) => v.id === chosen) ? chosen : '';
    } catch (error) {
      this.#log(`could not list videos: ${String(error)}`);
    }
  }

  async #pick(): Promise<void> {
    const session = this.#session;
    if (!session) return;
    const id = this.#select.value || null;
    try {
      const video = await session.selectVideo(id);
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
