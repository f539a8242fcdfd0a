import { describe, expect, it } from 'vitest';
import { parseQuestion, whenSearchText } from '../../../pipelines/video/ask/timeQuery.js';
import { parseTimestamp } from '../../../pipelines/video/ask/timeText.js';
import { SightlineError } from '../../../protocol/errors.js';

/** The table's video: two hours, so every phrasing lies inside it. */
const D = 7_200_000;

/** [question, kind, tMs (time) or [startMs, endMs] (range)], over a two-hour video. */
const TABLE: [string, 'time' | 'range', number | [number, number]][] = [
  ['at 30 seconds', 'time', 30_000],
  ['what happened at 30 seconds?', 'time', 30_000],
  ['What happened at 30 seconds in', 'time', 30_000],
  ['at 0:30', 'time', 30_000],
  ['at 1:05', 'time', 65_000],
  ['at 01:05', 'time', 65_000],
  ['what is on screen at 1:02:03', 'time', 3_723_000],
  ['1:02:03', 'time', 3_723_000],
  ['at 90s', 'time', 90_000],
  ['at 2m30s', 'time', 150_000],
  ['at 2 minutes 30 seconds', 'time', 150_000],
  ['at 1 minute and 30 seconds', 'time', 90_000],
  ['around minute two', 'time', 120_000],
  ['around the two minute mark', 'time', 120_000],
  ['around the two-minute mark', 'time', 120_000],
  ['at thirty seconds', 'time', 30_000],
  ['at forty-five seconds', 'time', 45_000],
  ['at forty five seconds', 'time', 45_000],
  ['after a minute and a half', 'time', 90_000],
  ['at a minute and a half', 'time', 90_000],
  ['at half a minute', 'time', 30_000],
  ['what does the sign say at 0:35', 'time', 35_000],
  ['at 30', 'time', 30_000],
  ['at 12.5 seconds', 'time', 12_500],
  ['at 1h2m3s', 'time', 3_723_000],
  ['What is said at 75:03?', 'time', 4_503_000],
  ['what happens at the end', 'time', D],
  ['what is shown at the very end?', 'time', D],
  ['at the beginning', 'time', 0],
  ['what happens at the start', 'time', 0],
  ['halfway through', 'time', D / 2],
  ['what happens in the middle?', 'time', D / 2],
  ['after a minute', 'time', 60_000],
  ['what happens before 2:00', 'time', 120_000],
  ['in the first ten seconds', 'range', [0, 10_000]],
  ['in the first minute', 'range', [0, 60_000]],
  ['in the last 30 seconds', 'range', [D - 30_000, D]],
  ['in the final two minutes', 'range', [D - 120_000, D]],
  ['between 0:20 and 0:40', 'range', [20_000, 40_000]],
  ['between 20 and 40 seconds', 'range', [20_000, 40_000]],
  ['from 20 to 40 seconds', 'range', [20_000, 40_000]],
  ['from 1 to 2 minutes', 'range', [60_000, 120_000]],
  ['what happens from 0:20 to 0:40', 'range', [20_000, 40_000]],
  ['0:20-0:40', 'range', [20_000, 40_000]],
  ['0:20 – 0:40', 'range', [20_000, 40_000]],
  ['between thirty seconds and a minute', 'range', [30_000, 60_000]],
  ['in the opening 20 seconds', 'range', [0, 20_000]],
  ['in the closing minute', 'range', [D - 60_000, D]],
  ['half way through', 'time', D / 2],
  ['midway through', 'time', D / 2],
  ['mid way through', 'time', D / 2],
  ['around minute 2.25', 'time', 135_000],
  ['at second 12.25', 'time', 12_250],
  ['at 12.25', 'time', 12_250],
  ['what is at 30 here', 'time', 30_000],
  ['at the very end of the video', 'time', D],
  ['the ending', 'time', D],
  ['in the end', 'time', D],
  ['near the end', 'time', D],
  ['towards the end', 'time', D],
];

describe('parseQuestion: times in words', () => {
  it.each(TABLE)('%s', (question, kind, expected) => {
    const p = parseQuestion(question, {}, D);
    expect(p.kind).toBe(kind);
    expect(p.timeFrom).toBe('words');
    if (kind === 'time') {
      expect(p.tMs).toBe(expected);
      expect(p.window!.startMs).toBeLessThanOrEqual(expected as number);
      expect(p.window!.endMs).toBeGreaterThanOrEqual(expected as number);
    } else {
      const [s, e] = expected as [number, number];
      expect(p.window).toEqual({ startMs: s, endMs: e });
      expect(p.tMs).toBeNull();
    }
  });

  it('a time question reads ±5 s around it, clamped to the video', () => {
    expect(parseQuestion('at 30 seconds', {}, 60_000).window).toEqual({ startMs: 25_000, endMs: 35_000 });
    expect(parseQuestion('at 2 seconds', {}, 60_000).window).toEqual({ startMs: 0, endMs: 7000 });
    expect(parseQuestion('at the end', {}, 60_000).window).toEqual({ startMs: 50_000, endMs: 60_000 });
  });

  it.each([
    ['after 1:00', 60_000, 70_000],
    ['past 1:00', 60_000, 70_000],
    ['before 1:00', 50_000, 60_000],
    ['until 1:00', 50_000, 60_000],
    ['till 1:00', 50_000, 60_000],
    ['up to 1:00', 50_000, 60_000],
  ])('"%s" reads the 10 s on that side of the time', (question, startMs, endMs) => {
    expect(parseQuestion(question, {}, D)).toMatchObject({
      kind: 'time',
      tMs: 60_000,
      window: { startMs, endMs },
    });
  });

  it('a window of at least a second stays as asked; a shorter one near the end widens back', () => {
    expect(parseQuestion('between 0:10 and 0:11', {}, D).window).toEqual({ startMs: 10_000, endMs: 11_000 });
    expect(parseQuestion('after 0:55', {}, 60_000).window).toEqual({ startMs: 55_000, endMs: 60_000 });
    expect(parseQuestion('before 0:03', {}, 60_000).window).toEqual({ startMs: 0, endMs: 3000 });
    expect(parseQuestion('after 2:00', {}, 60_000).window).toEqual({ startMs: 50_000, endMs: 60_000 });
  });

  it('times past the end clamp to the video', () => {
    const p = parseQuestion('what happened at 5:00', {}, 60_000);
    expect(p).toMatchObject({ kind: 'time', tMs: 60_000, window: { startMs: 55_000, endMs: 60_000 } });
    const r = parseQuestion('between 2:00 and 3:00', {}, 60_000);
    expect(r).toMatchObject({ kind: 'range', window: { startMs: 50_000, endMs: 60_000 } });
    expect(parseQuestion('in the last 5 minutes', {}, 60_000).window).toEqual({ startMs: 0, endMs: 60_000 });
  });
});

describe('parseQuestion: kinds without a time', () => {
  it.each([
    ['when does the door open?', 'door open'],
    ['When is platform 9 closed', 'platform 9 closed'],
    ['when did the train leave', 'train leave'],
    ['at what point does the man wave?', 'man wave'],
    ['what time does the sign change', 'sign change'],
    ['At which point is the ticket counter shown?', 'ticket counter'],
    ['when do they mention repairs', 'mention repairs'],
  ])('%s → when, searching "%s"', (question, search) => {
    const p = parseQuestion(question, {}, 60_000);
    expect(p).toMatchObject({ kind: 'when', window: null, tMs: null, searchText: search, timeFrom: null });
  });

  it.each([
    'summarise it with chapters',
    'Summarize the video',
    'give me a summary',
    'what is this video about?',
    "what's the video about",
    'list the chapters',
    'give me an overview',
  ])('%s → summary', (question) => {
    expect(parseQuestion(question, {}, 60_000)).toMatchObject({ kind: 'summary', window: null, tMs: null });
  });

  it.each([
    'is there a dog?',
    'what colour is the wall',
    'who is speaking',
    'when?',
    'what is on platform 9',
    'what happens to 3 people',
    'what is said about 2 trains',
  ])('%s → general', (question) => {
    expect(parseQuestion(question, {}, 60_000)).toMatchObject({ kind: 'general', window: null });
  });

  it('a time in a when question makes it a time question (the words name the moment)', () => {
    expect(parseQuestion('when at 0:30 is the sign shown', {}, 60_000).kind).toBe('time');
  });

  it('whenSearchText keeps the content words only', () => {
    expect(whenSearchText('So, when exactly does the big red door open?')).toBe('big red door open');
  });

  it.each([
    ["when does the dog's ball move", 'dog ball move'],
    ["when's the dog's ball thrown", 'dog ball thrown'],
    ['when is the driver\u2019s door opened', 'driver door opened'],
    ["when doesn't the door open", 'door open'],
    ["when do they're seen leaving", 'leaving'],
  ])('whenSearchText("%s"): a possessive searches for its noun, contractions go', (question, search) => {
    expect(whenSearchText(question)).toBe(search);
  });
});

describe('parseQuestion: structured fields', () => {
  it('t wins over the words, as seconds or a timestamp string', () => {
    expect(parseQuestion('what happens at the end', { t: 12 }, 60_000)).toMatchObject({
      kind: 'time',
      tMs: 12_000,
      window: { startMs: 7000, endMs: 17_000 },
      timeFrom: 'fields',
    });
    expect(parseQuestion('what is this', { t: '0:35' }, 60_000).tMs).toBe(35_000);
    expect(parseQuestion('what is this', { t: '90s' }, 60_000).tMs).toBe(60_000);
  });

  it('a range may start at 0 and be given in ms; a second-long one stays as given', () => {
    expect(parseQuestion('x', { range: { startMs: 0, endMs: 5000 } }, 60_000).window).toEqual({
      startMs: 0,
      endMs: 5000,
    });
    expect(parseQuestion('x', { range: [10, 11] }, 60_000).window).toEqual({
      startMs: 10_000,
      endMs: 11_000,
    });
    expect(parseQuestion('x', { t: 0 }, 60_000)).toMatchObject({
      tMs: 0,
      timeFrom: 'fields',
      searchText: '',
    });
  });

  it('range wins over t and the words', () => {
    expect(parseQuestion('at 0:05', { t: 3, range: [20, '0:40'] }, 60_000)).toMatchObject({
      kind: 'range',
      window: { startMs: 20_000, endMs: 40_000 },
      timeFrom: 'fields',
    });
    expect(parseQuestion('x', { range: { startMs: 1000, endMs: 2500 } }, 60_000).window).toEqual({
      startMs: 1000,
      endMs: 2500,
    });
  });

  it.each([
    [{ t: -1 }, /^t must be a non-negative number of seconds$/],
    [{ t: Number.NaN }, /^t must be a non-negative number of seconds$/],
    [{ t: 'soon' }, /^t is not a time/],
    [{ t: `${'1'.repeat(40)}` }, /^t is not a time/],
    [{ t: true as unknown as number }, /^t must be seconds or a timestamp string$/],
    [{ range: [40, 20] as [number, number] }, /^range must end after it starts$/],
    [{ range: [10] as unknown as [number, number] }, /^range must be \[start, end\]$/],
    [{ range: [10, 20, 30] as unknown as [number, number] }, /^range must be \[start, end\]$/],
    [{ range: ['soon', 20] as unknown as [number, number] }, /^range start is not a time/],
    [{ range: [10, 'later'] as unknown as [number, number] }, /^range end is not a time/],
    [{ range: { startMs: 5, endMs: 5 } }, /^range must end after it starts$/],
    [{ range: { startMs: -5, endMs: 5 } }, /^range.startMs and range.endMs must be non-negative numbers$/],
    [{ range: { startMs: 1, endMs: '5' } as unknown as [number, number] }, /^range.startMs and range.endMs/],
    [{ range: { startMs: '1', endMs: 5 } as unknown as [number, number] }, /^range.startMs and range.endMs/],
    [{ range: { startMs: Number.POSITIVE_INFINITY, endMs: 5 } }, /^range.startMs and range.endMs/],
    [{ range: { startMs: 1, endMs: Number.NaN } }, /^range.startMs and range.endMs/],
    [
      { range: { startMs: 1 } as unknown as [number, number] },
      /^range must be \[start, end\] or \{ startMs, endMs \}$/,
    ],
    [
      { range: 'all' as unknown as [number, number] },
      /^range must be \[start, end\] or \{ startMs, endMs \}$/,
    ],
  ])('bad fields %j → ERR_INVALID_ARGUMENT naming the field', (fields, message) => {
    let error: unknown;
    try {
      parseQuestion('what happens', fields, 60_000);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SightlineError);
    expect((error as SightlineError).code).toBe('ERR_INVALID_ARGUMENT');
    expect((error as SightlineError).message).toMatch(message);
  });
});

describe('parseTimestamp', () => {
  it.each([
    ['30', 30_000],
    ['12.5', 12_500],
    ['1:05', 65_000],
    ['01:02:03', 3_723_000],
    ['90s', 90_000],
    ['2m30s', 150_000],
    ['1 minute', 60_000],
    ['thirty seconds', 30_000],
  ])('%s → %d ms', (text, ms) => expect(parseTimestamp(text)).toBe(ms));

  it.each(['', 'soon', '1:5', '1:65', '-3', '3 apples'])('%s → null', (text) =>
    expect(parseTimestamp(text)).toBeNull(),
  );
});
