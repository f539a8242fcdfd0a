import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { FakeLlm } from '../../pipelines/testing/fakes/fakeLlm.js';
import type { IngestProgress, VideoAnswerEvent, VideoInfo } from '../../protocol/video.js';
import { SightlineServer } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { RawClient } from '../helpers/rawClient.js';
import { waitFor } from '../helpers/server.js';
import { tinyModelSetDir } from '../helpers/tinyModels.js';
import { shortVideo } from '../helpers/videos.js';

const ANSWER = 'At 00:03 the sign changes. Nothing else happens.';

/**
 * Video questions inside a call, end to end on the real server (tiny models
 * for ingest and speech, a scripted LLM): the person's video is uploaded with
 * tus, its ingest progress reaches only its owner's call socket, selectVideo
 * focuses the call on it (a foreign id is not found), and a typed question is
 * answered from the video's evidence with `video_answer` citing what was heard.
 */
describe('asking about an uploaded video in a call', () => {
  let server: SightlineServer;
  let dataDir: string;
  const llm = new FakeLlm({ reply: ANSWER });
  let alice: RawClient;
  let bob: RawClient;
  let aliceToken = '';
  let videoId = '';

  async function tokenFor(user: string): Promise<string> {
    const res = await fetch(`${server.url}/api/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user }),
    });
    return ((await res.json()) as { token: string }).token;
  }

  /** A tus upload in two requests: create, then one PATCH with the whole file. */
  async function upload(token: string, path: string): Promise<string> {
    const bytes = readFileSync(path);
    const created = await fetch(`${server.url}/api/videos`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'tus-resumable': '1.0.0',
        'upload-length': String(bytes.length),
        'upload-metadata': `filename ${Buffer.from('short.mp4').toString('base64')}`,
      },
    });
    expect(created.status).toBe(201);
    const location = new URL(created.headers.get('location') ?? '', server.url).toString();
    const patched = await fetch(location, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${token}`,
        'tus-resumable': '1.0.0',
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
      body: bytes,
    });
    expect(patched.status).toBe(204);
    return location.split('/').at(-1) as string;
  }

  const events = <T>(c: RawClient, name: string) =>
    c.messages.filter((m) => m.kind === 'event' && m.event === name).map((m) => m.data as unknown as T);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sightline-videocall-'));
    const config = loadConfig({
      HOST: '127.0.0.1',
      PORT: '0',
      MEDIASOUP_WORKERS: '1',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
      SIGHTLINE_MODELS_DIR: tinyModelSetDir(),
      SIGHTLINE_DATA_DIR: dataDir,
      TTS_ENGINE: 'espeak',
    });
    server = await SightlineServer.create(config, {
      log: createLogger({ level: config.log.level }),
      remote: { llm, stt: null, tts: null, describe: { llm: 'fake-llm' } },
    });
    aliceToken = await tokenFor('alice');
    alice = await RawClient.open(server.url);
    bob = await RawClient.open(server.url);
    expect((await alice.request('join', { token: aliceToken })).ok).toBe(true);
    expect((await bob.request('join', { token: await tokenFor('bob') })).ok).toBe(true);
  });

  afterAll(async () => {
    alice?.close();
    bob?.close();
    await server?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("pushes the ingest progress of alice's video to alice's call only, up to ready", async () => {
    videoId = await upload(aliceToken, shortVideo());
    await waitFor(
      () => events<IngestProgress>(alice, 'video_progress').some((p) => p.status === 'ready'),
      120_000,
      'the video to be ready',
    );
    const mine = events<IngestProgress>(alice, 'video_progress');
    expect(mine.every((p) => p.videoId === videoId)).toBe(true);
    expect(mine.at(-1)).toMatchObject({ status: 'ready', percent: 100 });
    expect(events(bob, 'video_progress')).toEqual([]);
  });

  it('selectVideo: alice focuses on her ready video; bob cannot see it', async () => {
    const picked = await alice.request('selectVideo', { videoId });
    expect(picked.ok, JSON.stringify(picked)).toBe(true);
    expect((picked.data?.video as VideoInfo | undefined)?.status).toBe('ready');
    const foreign = await bob.request('selectVideo', { videoId });
    expect(foreign.error?.code).toBe('ERR_VIDEO_NOT_FOUND');
    expect((await alice.request('selectVideo', { videoId: 'nope' })).error?.code).toBe('ERR_VIDEO_NOT_FOUND');
  });

  it("a typed question is answered from the video's evidence and video_answer cites the heard answer", async () => {
    const asked = await alice.request('sendText', { text: 'what happened at 3 seconds' });
    expect(asked.ok, JSON.stringify(asked)).toBe(true);
    const turnId = asked.data?.turnId as string;
    const answer = await waitFor(
      () => events<VideoAnswerEvent>(alice, 'video_answer').find((a) => a.turnId === turnId),
      60_000,
      'video_answer',
    );
    expect(answer).toMatchObject({ videoId, kind: 'time' });
    const heard = events<{ turnId: string; text: string; final: boolean }>(alice, 'reply').find(
      (r) => r.turnId === turnId && r.final,
    );
    expect(heard?.text).toBe(ANSWER);
    expect(answer.citations).toEqual([{ tMs: 3000, label: '00:03' }]);
    expect(answer.evidence.frames.length).toBeGreaterThan(0);
    for (const f of answer.evidence.frames) expect(f.tMs).toBeLessThanOrEqual(6000);
    // The model got the video, not the camera: a clip of the video's frames with their true times, then the words.
    const user = llm.requests.at(-1)?.messages.at(-1);
    const clip = user?.content.find((p) => p.type === 'video');
    expect(clip?.type === 'video' && clip.frames.map((f) => f.ptsMs)).toEqual(
      answer.evidence.frames.map((f) => f.tMs).sort((a, b) => a - b),
    );
    expect(user?.content.at(-1)).toEqual({ type: 'text', text: 'what happened at 3 seconds' });
    expect((await alice.request('selectVideo', { videoId: null })).data).toEqual({ video: null });
  });
});
