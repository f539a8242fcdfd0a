import { SightlineError } from '../../protocol/errors.js';
import type { AskResponse, IngestProgress, VideoInfo } from '../../protocol/video.js';
import {
  askVideo,
  cancelVideo,
  deleteVideo,
  getTimeline,
  listVideos,
  mediaUrl,
  uploadVideo,
  watchVideo,
} from '../sdk/video.js';
import { sessionToken } from './session.js';
import { showAnswer, showTimeline, transcriptVtt, videoRow } from './views.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const statusEl = $('status');
const fileInput = $<HTMLInputElement>('file');
const uploadBox = $('upload');
const uploadLabel = $('upload-label');
const uploadBar = $<HTMLProgressElement>('upload-progress');
const uploadCancel = $<HTMLButtonElement>('upload-cancel');
/** What the Cancel button stops: the upload in flight, then the ingest of the uploaded video. */
let stopCurrent: (() => void) | null = null;
uploadCancel.addEventListener('click', () => stopCurrent?.());
const videosEl = $<HTMLUListElement>('videos');
const viewer = $('viewer');
const player = $<HTMLVideoElement>('player');
const answerBox = $('answer');
const askForm = $<HTMLFormElement>('ask');
const questionInput = $<HTMLInputElement>('question');

const params = new URLSearchParams(location.search);
let token = '';
let current: string | null = params.get('video');
/** Where to seek once the picked video's timeline is shown (`?t=` seconds). */
let pendingSeekMs: number | null = params.has('t') ? Number(params.get('t')) * 1000 : null;

/** What a test (or a curious person) can read: the last answer and the ingest progress seen. */
const state = {
  token: '',
  answers: [] as AskResponse[],
  progress: [] as IngestProgress[],
  current: () => current,
};
(globalThis as { timeline?: unknown }).timeline = state;

function say(text: string, error = false): void {
  statusEl.textContent = text;
  statusEl.classList.toggle('error', error);
}

const describe = (e: unknown) => (e instanceof SightlineError ? `${e.code}: ${e.message}` : String(e));

/** Seeks the player (once it knows its length) and plays from there. */
function seek(tMs: number): void {
  const go = () => {
    player.currentTime = tMs / 1000;
  };
  if (player.readyState >= HTMLMediaElement.HAVE_METADATA) go();
  else player.addEventListener('loadedmetadata', go, { once: true });
  player.focus();
}

async function refresh(): Promise<VideoInfo[]> {
  const videos = await listVideos({ token });
  videosEl.replaceChildren(
    ...videos.map((v) =>
      videoRow(v, v.id === current, { open: (x) => void open(x.id), remove: (x) => void remove(x) }),
    ),
  );
  if (videos.length === 0)
    videosEl.replaceChildren(Object.assign(document.createElement('li'), { textContent: 'No videos yet.' }));
  return videos;
}

async function open(videoId: string): Promise<void> {
  current = videoId;
  history.replaceState(null, '', `/timeline?video=${encodeURIComponent(videoId)}`);
  try {
    const t = await getTimeline(videoId, { token });
    viewer.hidden = false;
    $('video-title').textContent = t.name;
    if (player.dataset.videoId !== videoId) {
      player.src = t.mediaUrl;
      player.dataset.videoId = videoId;
    }
    const track = $<HTMLTrackElement>('captions');
    if (track.src.startsWith('blob:')) URL.revokeObjectURL(track.src);
    track.src = URL.createObjectURL(new Blob([transcriptVtt(t.transcript)], { type: 'text/vtt' }));
    answerBox.hidden = true;
    showTimeline(
      t,
      { scrubber: $('scrubber'), chapters: $('chapters'), transcript: $('transcript'), ocr: $('ocr') },
      seek,
    );
    if (pendingSeekMs !== null) seek(pendingSeekMs);
    pendingSeekMs = null;
    for (const li of videosEl.querySelectorAll('li'))
      li.setAttribute('aria-current', String(li.dataset.videoId === videoId));
  } catch (error) {
    say(`could not open the video: ${describe(error)}`, true);
  }
}

async function remove(v: VideoInfo): Promise<void> {
  if (!confirm(`Delete ${v.name}? Its index and files go too.`)) return;
  try {
    await deleteVideo(v.id, { token });
    if (current === v.id) {
      current = null;
      viewer.hidden = true;
      player.removeAttribute('src');
    }
    say(`${v.name} deleted`);
    await refresh();
  } catch (error) {
    say(`could not delete: ${describe(error)}`, true);
  }
}

/** Upload with a progress bar: bytes first, then the ingest stages with their percent. */
async function upload(file: File): Promise<void> {
  uploadBox.hidden = false;
  uploadLabel.textContent = `Uploading ${file.name}`;
  uploadBar.value = 0;
  const aborter = new AbortController();
  stopCurrent = () => aborter.abort();
  try {
    const { videoId } = await uploadVideo(file, {
      token,
      signal: aborter.signal,
      onProgress: (sent, total) => {
        uploadBar.value = total > 0 ? (100 * sent) / total : 0;
        uploadLabel.textContent = `Uploading ${file.name}: ${Math.round(uploadBar.value)} %`;
      },
    });
    say(`${file.name} uploaded; indexing`);
    await refresh();
    await follow(videoId, file.name, true);
  } catch (error) {
    if (aborter.signal.aborted) say(`${file.name}: upload cancelled`);
    else say(`upload failed: ${describe(error)}`, true);
    await refresh().catch(() => undefined);
  } finally {
    uploadBox.hidden = true;
    stopCurrent = null;
  }
}

/** Follows one video's ingest on the progress bar; opens it when ready if `openWhenReady`. */
async function follow(videoId: string, name: string, openWhenReady: boolean): Promise<void> {
  uploadBox.hidden = false;
  stopCurrent = () => {
    cancelVideo(videoId, { token }).catch((error: unknown) =>
      say(`could not cancel: ${describe(error)}`, true),
    );
  };
  const last = await watchVideo(
    videoId,
    (p) => {
      state.progress.push(p);
      uploadBar.value = p.percent;
      uploadLabel.textContent = `Indexing ${name}: ${p.stage ?? p.status} ${Math.round(p.stagePercent)} % (${Math.round(p.percent)} % in all)`;
    },
    { token },
  );
  uploadBox.hidden = true;
  stopCurrent = null;
  await refresh();
  if (last?.status === 'ready') {
    say(`${name} is ready: ask about it`);
    if (openWhenReady) await open(videoId);
  } else
    say(
      `${name}: ${last?.error?.message ?? last?.status ?? 'the progress stream ended'}`,
      last?.status === 'failed',
    );
}

fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  fileInput.value = '';
  if (file) void upload(file);
});

askForm.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const question = questionInput.value.trim();
  if (!question || !current) return;
  const button = askForm.querySelector('button') as HTMLButtonElement;
  button.disabled = true;
  say('thinking…');
  try {
    const answer = await askVideo(current, { question }, { token });
    state.answers.push(answer);
    // Frame URLs need the token for img tags when the server did not put it there.
    const frames = answer.evidence.frames.map((f) =>
      f.url.includes('access_token=') ? f : { ...f, url: mediaUrl(f.url, { token }) },
    );
    showAnswer(answerBox, { ...answer, evidence: { ...answer.evidence, frames } }, seek);
    say(`answered in ${Math.round(answer.timings.retrievalMs + answer.timings.llmMs)} ms`);
  } catch (error) {
    say(`could not ask: ${describe(error)}`, true);
  } finally {
    button.disabled = false;
  }
});

async function start(): Promise<void> {
  try {
    token = await sessionToken();
    state.token = token;
    const videos = await refresh();
    const wanted = current && videos.find((v) => v.id === current && v.status === 'ready');
    if (wanted) await open(wanted.id);
    say('ready');
    // An ingest still running (the page was reloaded during it) is followed again.
    for (const v of videos.filter((x) => x.status === 'queued' || x.status === 'ingesting')) {
      void follow(v.id, v.name, false).catch((error: unknown) =>
        say(`lost the progress of ${v.name}: ${describe(error)}`, true),
      );
    }
  } catch (error) {
    say(`could not start: ${describe(error)}`, true);
  }
}
void start();
