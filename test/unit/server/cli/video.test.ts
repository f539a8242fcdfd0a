import { describe, expect, it } from 'vitest';
import type { AskResponse, VideoInfo } from '../../../../protocol/video.js';
import { runCli } from '../../../../server/cli/cli.js';
import {
  bar,
  formatAnswer,
  formatBytes,
  formatList,
  ingestLine,
  parseSse,
  parseVideoArgs,
  uploadLine,
} from '../../../../server/cli/videoArgs.js';
import { captureIo } from '../../../helpers/cliIo.js';

describe('parseVideoArgs', () => {
  it.each([
    [['add', 'a.mp4'], { kind: 'add', file: 'a.mp4', name: null, wait: true }],
    [
      ['add', 'a.mp4', '--name', 'Talk', '--no-wait'],
      { kind: 'add', file: 'a.mp4', name: 'Talk', wait: false },
    ],
    [['add', '--name=Talk', 'a.mp4'], { kind: 'add', file: 'a.mp4', name: 'Talk', wait: true }],
    [
      ['ask', 'id1', 'what happened?'],
      { kind: 'ask', id: 'id1', request: { question: 'what happened?' }, json: false },
    ],
    [
      ['ask', 'id1', 'what?', '--t', '30'],
      { kind: 'ask', id: 'id1', request: { question: 'what?', t: 30 }, json: false },
    ],
    [
      ['ask', 'id1', 'what?', '--t=1:05', '--json'],
      { kind: 'ask', id: 'id1', request: { question: 'what?', t: '1:05' }, json: true },
    ],
    [
      ['ask', 'id1', 'what?', '--range', '20,40'],
      { kind: 'ask', id: 'id1', request: { question: 'what?', range: [20, 40] }, json: false },
    ],
    [
      ['ask', 'id1', 'what?', '--range', '0:20,0:40'],
      { kind: 'ask', id: 'id1', request: { question: 'what?', range: ['0:20', '0:40'] }, json: false },
    ],
    [['list'], { kind: 'list', json: false }],
    [['list', '--json'], { kind: 'list', json: true }],
    [['rm', 'id1'], { kind: 'rm', id: 'id1' }],
    [[], { kind: 'help' }],
    [['--help'], { kind: 'help' }],
  ])('%j', (args, expected) => {
    expect(parseVideoArgs(args)).toEqual(expected);
  });

  it.each([
    [['add'], 'video add takes one FILE'],
    [['add', 'a', 'b'], 'video add takes one FILE'],
    [['ask', 'id1'], 'video ask takes an ID and a "QUESTION"'],
    [['ask', 'id1', 'q', '--t'], '--t needs a value'],
    [['ask', 'id1', 'q', '--t', 'noon'], '--t takes seconds (30) or a timestamp (1:05)'],
    [['ask', 'id1', 'q', '--range', '20'], '--range takes START,END'],
    [['ask', 'id1', '  '], 'the question is empty'],
    [['list', '--name', 'x'], 'video list does not take --name'],
    [['rm'], 'video rm takes one ID'],
    [['play'], 'unknown video command "play"'],
    [['list', '--force'], 'unknown option --force'],
  ])('%j is a usage error', (args, message) => {
    expect(() => parseVideoArgs(args)).toThrow(
      expect.objectContaining({ name: 'UsageError', message: expect.stringContaining(message) }),
    );
  });
});

describe('runCli video', () => {
  it('usage errors exit 2 with the video usage on stderr; help exits 0 on stdout', async () => {
    const io = captureIo();
    expect(await runCli(['video', 'ask', 'x'], io)).toBe(2);
    expect(io.stderr()).toContain('sightline video: video ask takes an ID');
    expect(io.stderr()).toContain('usage: sightline video <command>');
    const help = captureIo();
    expect(await runCli(['video', '--help'], help)).toBe(0);
    expect(help.stdout()).toContain('add FILE');
    const top = captureIo();
    expect(await runCli(['--help'], top)).toBe(0);
    expect(top.stdout()).toContain('video ask ID "QUESTION"');
  });
});

describe('formatting', () => {
  it('bytes, bars and progress lines', () => {
    expect([formatBytes(512), formatBytes(1500), formatBytes(2_500_000), formatBytes(3_200_000_000)]).toEqual(
      ['512 B', '1.5 kB', '2.5 MB', '3.2 GB'],
    );
    expect(bar(50, 10)).toBe('[#####-----]  50%');
    expect(bar(140, 4)).toBe('[####] 100%');
    expect(uploadLine(500_000, 1_000_000)).toBe(`upload  ${bar(50)} 500.0 kB / 1.0 MB`);
    expect(
      ingestLine({
        videoId: 'v',
        status: 'ingesting',
        stage: 'audio',
        stagePercent: 40,
        percent: 37.5,
        error: null,
      }),
    ).toBe(`ingest  ${bar(37.5)} audio 40%`);
    expect(
      ingestLine({
        videoId: 'v',
        status: 'ready',
        stage: 'index',
        stagePercent: 100,
        percent: 100,
        error: null,
      }),
    ).toBe(`ingest  ${bar(100)} ready`);
  });

  it('list: one aligned line per video with status, mm:ss length, size and name', () => {
    const base: VideoInfo = {
      id: 'aaaaaaaaaaaaaaaaaaaaaa',
      name: 'station.mp4',
      status: 'ready',
      stage: 'index',
      percent: 100,
      sizeBytes: 1_000_000,
      storedBytes: 3_000_000,
      durationMs: 65_000,
      width: 480,
      height: 270,
      hasAudio: true,
      hasVideo: true,
      createdAtMs: 0,
      readyAtMs: 1,
      error: null,
      thumbnailUrl: null,
    };
    const text = formatList([
      base,
      { ...base, id: 'b', status: 'ingesting', percent: 42.7, durationMs: null, name: 'x' },
    ]);
    expect(text).toBe(
      'aaaaaaaaaaaaaaaaaaaaaa  ready          01:05  3.0 MB  station.mp4\n' +
        'b                       ingesting 42%  --:--  3.0 MB  x\n',
    );
    expect(formatList([])).toBe('no videos\n');
  });

  it('an answer prints its text, then every piece of evidence with mm:ss', () => {
    const answer: AskResponse = {
      videoId: 'v',
      question: 'what happened at 30 seconds?',
      kind: 'time',
      window: { startMs: 25_000, endMs: 35_000 },
      answer: 'The sign says platform 9 is closed (00:31).',
      citations: [{ tMs: 31_000, label: '00:31' }],
      evidence: {
        frames: [
          { tMs: 30_000, url: '/f/30000.jpg', role: 'dense' },
          { tMs: 0, url: '/f/0.jpg', role: 'sparse' },
        ],
        transcript: [{ startMs: 31_000, endMs: 33_400, text: 'Platform nine is closed for repairs today.' }],
        ocr: [{ tMs: 30_000, text: 'PLATFORM9CLOSED' }],
      },
      moments: [],
      chapters: [],
      timings: { retrievalMs: 3, llmMs: 900 },
    };
    expect(formatAnswer(answer)).toBe(
      [
        'The sign says platform 9 is closed (00:31).',
        '',
        'window: 00:25–00:35',
        'cited: 00:31',
        'evidence:',
        '  frames: 00:30, 00:00 (sparse)',
        '  transcript:',
        '    00:31–00:33  Platform nine is closed for repairs today.',
        '  on screen:',
        '    00:30  PLATFORM9CLOSED',
        '',
      ].join('\n'),
    );
  });

  it('parseSse returns whole progress events and keeps a partial one for the next chunk', () => {
    const p = {
      videoId: 'v',
      status: 'ingesting',
      stage: 'frames',
      stagePercent: 10,
      percent: 5,
      error: null,
    };
    const text = `event: progress\ndata: ${JSON.stringify(p)}\n\n: heartbeat\n\nevent: progress\ndata: {"vid`;
    const { events, rest } = parseSse(text);
    expect(events).toEqual([p]);
    expect(rest).toBe('event: progress\ndata: {"vid');
  });
});
