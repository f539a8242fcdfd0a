import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askVideo, listVideos, parseSseEvent, watchVideo } from '../../../../client/sdk/video.js';
import { pickThumbs, transcriptVtt } from '../../../../client/timeline/views.js';
import type { IngestProgress } from '../../../../protocol/video.js';

const progress = (percent: number, status: IngestProgress['status'] = 'ingesting'): IngestProgress => ({
  videoId: 'v1',
  status,
  stage: status === 'ready' ? 'index' : 'audio',
  stagePercent: 50,
  percent,
  error: null,
});

describe('SDK video calls against a scripted server', () => {
  let server: Server;
  let baseUrl = '';
  const seen: { method: string; url: string; auth: string | undefined; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body });
        if (req.url === '/api/videos/v1/events') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          // Split mid-event and with a heartbeat comment: the parser must join chunks.
          res.write(`: hi\n\nevent: progress\ndata: ${JSON.stringify(progress(10))}\n\nevent: progr`);
          setTimeout(() => {
            res.write(`ess\ndata: ${JSON.stringify(progress(100, 'ready'))}\n\n`);
            // Never ended by the server: the client stops at the final status.
          }, 20);
          return;
        }
        if (req.url === '/api/videos/v9/ask') {
          res.writeHead(409, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'ERR_VIDEO_NOT_READY', message: 'still indexing' } }));
          return;
        }
        if (req.url === '/api/videos') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ videos: [{ id: 'v1' }] }));
          return;
        }
        res.writeHead(502);
        res.end('<html>bad gateway</html>');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  it('watchVideo reads SSE progress with the bearer header and returns at the final status', async () => {
    const got: IngestProgress[] = [];
    const last = await watchVideo('v1', (p) => got.push(p), { baseUrl, token: 'T' });
    expect(got).toEqual([progress(10), progress(100, 'ready')]);
    expect(last).toEqual(progress(100, 'ready'));
    expect(seen.find((s) => s.url.endsWith('/events'))?.auth).toBe('Bearer T');
  });

  it('errors come back typed: the JSON code, or ERR_INTERNAL for a body that is not ours', async () => {
    await expect(
      askVideo('v9', { question: 'at 30 s?', t: 30 }, { baseUrl, token: 'T' }),
    ).rejects.toMatchObject({
      code: 'ERR_VIDEO_NOT_READY',
      message: 'still indexing',
    });
    expect(JSON.parse(seen.find((s) => s.url.endsWith('/ask'))?.body ?? '')).toEqual({
      question: 'at 30 s?',
      t: 30,
    });
    await expect(askVideo('v8', { question: 'x' }, { baseUrl, token: 'T' })).rejects.toMatchObject({
      code: 'ERR_INTERNAL',
    });
    await expect(listVideos({ baseUrl, token: 'T' })).resolves.toEqual([{ id: 'v1' }]);
  });

  it('parseSseEvent: progress events only; comments and other events are null', () => {
    expect(parseSseEvent(`event: progress\r\ndata: ${JSON.stringify(progress(5))}`)).toEqual(progress(5));
    expect(parseSseEvent(': heartbeat')).toBeNull();
    expect(parseSseEvent('event: end\ndata: {}')).toBeNull();
  });
});

describe('timeline page helpers', () => {
  it('pickThumbs keeps every scene frame and spreads the rest evenly, in time order', () => {
    const frames = Array.from({ length: 600 }, (_, i) => ({ tMs: i * 1000, scene: i % 100 === 0 }));
    const picked = pickThumbs(frames, 60);
    expect(picked).toHaveLength(60);
    expect(picked.filter((f) => f.scene)).toHaveLength(6);
    expect(picked.map((f) => f.tMs)).toEqual([...picked.map((f) => f.tMs)].sort((a, b) => a - b));
    // No gap between neighbours wider than ~2 spreads.
    const gaps = picked.slice(1).map((f, i) => f.tMs - (picked[i]?.tMs ?? 0));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(20_000);
    expect(pickThumbs(frames.slice(0, 5), 60)).toHaveLength(5);
  });

  it('transcriptVtt writes WebVTT cues with hh:mm:ss.mmm times', () => {
    expect(transcriptVtt([{ startMs: 31_000, endMs: 3_723_456, text: 'a --> b' }])).toBe(
      'WEBVTT\n\n00:00:31.000 --> 01:02:03.456\na -> b\n',
    );
  });
});
