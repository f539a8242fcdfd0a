import { formatMmSs } from '../../protocol/time.js';
import type { VideoTimeline } from '../../protocol/timeline.js';
import type { AskResponse, VideoInfo } from '../../protocol/video.js';

/** Most thumbnails along the scrubber (scene frames first, then an even spread). */
export const MAX_SCRUBBER_THUMBS = 60;

type Seek = (tMs: number) => void;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  cls?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

/** A button that seeks the player to `tMs`, labelled `mm:ss`. */
export function timeButton(tMs: number, seek: Seek, label = formatMmSs(tMs)): HTMLButtonElement {
  const b = el('button', label, 't');
  b.type = 'button';
  b.dataset.tMs = String(tMs);
  b.setAttribute('aria-label', `Play from ${formatMmSs(tMs)}`);
  b.addEventListener('click', () => seek(tMs));
  return b;
}

/** A line: its time as a seek button, then its text. */
function line(tMs: number, text: string, seek: Seek, end?: number): HTMLLIElement {
  const li = el('li');
  li.append(timeButton(tMs, seek), end !== undefined ? `–${formatMmSs(end)} ${text}` : text);
  return li;
}

/** Picks at most `max` frames for the scrubber: every scene frame first, then an even spread of the rest. */
export function pickThumbs<T extends { tMs: number; scene: boolean }>(
  frames: readonly T[],
  max: number,
): T[] {
  if (frames.length <= max) return [...frames];
  const chosen = new Set(frames.filter((f) => f.scene).slice(0, max));
  const rest = frames.filter((f) => !chosen.has(f));
  const room = max - chosen.size;
  for (let i = 0; i < room; i++) {
    const f = rest[Math.floor(((i + 0.5) * rest.length) / room)];
    if (f) chosen.add(f);
  }
  return [...chosen].sort((a, b) => a.tMs - b.tMs);
}

/** Thumbnails, chapters, transcript and OCR of one video. */
export function showTimeline(
  t: VideoTimeline,
  parts: { scrubber: HTMLElement; chapters: HTMLElement; transcript: HTMLElement; ocr: HTMLElement },
  seek: Seek,
): void {
  const legend = parts.scrubber.querySelector('legend');
  parts.scrubber.replaceChildren(
    ...(legend ? [legend] : []),
    ...pickThumbs(t.frames, MAX_SCRUBBER_THUMBS).map((f) => {
      const b = el('button', undefined, f.scene ? 'scene' : undefined);
      b.type = 'button';
      b.dataset.tMs = String(f.tMs);
      b.setAttribute('aria-label', `Seek to ${formatMmSs(f.tMs)}${f.scene ? ' (scene change)' : ''}`);
      const img = el('img');
      img.src = f.thumbUrl;
      img.alt = '';
      img.loading = 'lazy';
      b.append(img, el('span', formatMmSs(f.tMs)));
      b.addEventListener('click', () => seek(f.tMs));
      return b;
    }),
  );
  const none = (what: string) => el('li', what);
  parts.chapters.replaceChildren(
    ...(t.chapters.length > 0
      ? t.chapters.map((c) => line(c.startMs, c.title, seek, c.endMs))
      : [none('No chapters.')]),
  );
  parts.transcript.replaceChildren(
    ...(t.transcript.length > 0
      ? t.transcript.map((s) => line(s.startMs, s.text, seek, s.endMs))
      : [none('No speech.')]),
  );
  parts.ocr.replaceChildren(
    ...(t.ocr.length > 0 ? t.ocr.map((o) => line(o.tMs, o.text, seek)) : [none('No text seen.')]),
  );
}

/** The transcript as WebVTT captions for the player. */
export function transcriptVtt(transcript: VideoTimeline['transcript']): string {
  const ts = (ms: number) => {
    const s = Math.max(0, ms) / 1000;
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${(s % 60).toFixed(3).padStart(6, '0')}`;
  };
  const cues = transcript.map((c) => `${ts(c.startMs)} --> ${ts(c.endMs)}\n${c.text.replace(/-->/g, '->')}`);
  return `WEBVTT\n\n${cues.join('\n\n')}\n`;
}

/** The answer, its citations as seek buttons, and the evidence it was built from. */
export function showAnswer(box: HTMLElement, a: AskResponse, seek: Seek): void {
  const cites = el('p');
  cites.append(a.citations.length > 0 ? 'Cited: ' : 'No moment cited.');
  for (const c of a.citations) cites.append(timeButton(c.tMs, seek, c.label), ' ');
  cites.dataset.role = 'citations';
  const frames = el('div', undefined, 'evidence-frames');
  for (const f of a.evidence.frames) {
    const fig = el('figure');
    fig.style.margin = '0';
    const b = el('button');
    b.type = 'button';
    b.setAttribute('aria-label', `Frame at ${formatMmSs(f.tMs)} (${f.role}): seek there`);
    b.addEventListener('click', () => seek(f.tMs));
    const img = el('img');
    img.src = f.url;
    img.alt = '';
    b.append(img);
    fig.append(b, el('figcaption', `${formatMmSs(f.tMs)} ${f.role}`));
    frames.append(fig);
  }
  const transcript = el('ol', undefined, 'lines');
  for (const s of a.evidence.transcript) transcript.append(line(s.startMs, s.text, seek, s.endMs));
  const ocr = el('ol', undefined, 'lines');
  for (const o of a.evidence.ocr) ocr.append(line(o.tMs, o.text, seek));
  const evidence = el('details');
  evidence.open = true;
  evidence.append(
    el('summary', 'Evidence given to the model'),
    el('h3', 'Frames'),
    frames,
    el('h3', 'Transcript'),
    transcript,
    el('h3', 'Text on screen'),
    ocr,
  );
  box.replaceChildren(el('p', a.answer), cites, evidence);
  box.hidden = false;
}

/** One library row: open (the name and where its ingest is) and delete. */
export function videoRow(
  v: VideoInfo,
  current: boolean,
  actions: { open(v: VideoInfo): void; remove(v: VideoInfo): void },
): HTMLLIElement {
  const li = el('li');
  li.dataset.videoId = v.id;
  li.setAttribute('aria-current', String(current));
  const state =
    v.status === 'ready'
      ? formatMmSs(v.durationMs ?? 0)
      : v.status === 'failed'
        ? `failed: ${v.error?.message ?? 'unknown error'}`
        : `${v.status}${v.stage ? ` (${v.stage})` : ''} ${Math.round(v.percent)} %`;
  const open = el('button', `${v.name} — ${state}`, 'open');
  open.type = 'button';
  open.disabled = v.status !== 'ready';
  open.addEventListener('click', () => actions.open(v));
  const del = el('button', 'Delete');
  del.type = 'button';
  del.setAttribute('aria-label', `Delete ${v.name}`);
  del.addEventListener('click', () => actions.remove(v));
  li.append(open, del);
  return li;
}
