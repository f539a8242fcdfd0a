import { describe, expect, it } from 'vitest';
import { extractCitations } from '../../../pipelines/video/ask/citations.js';

const D = 7_200_000;
const times = (answer: string, durationMs = D) => extractCitations(answer, durationMs).map((c) => c.tMs);

describe('extractCitations', () => {
  it.each([
    ['At 00:30 a pink sign reads PLATFORM 9 CLOSED.', [30_000]],
    ['The door opens at 0:42.', [42_000]],
    ['See 1:05 and 01:05 again.', [65_000]],
    ['At 1:02:03 the train leaves.', [3_723_000]],
    ['Around 75:03 it ends.', [4_503_000]],
    ['It happens at 30 seconds.', [30_000]],
    ['It happens at thirty seconds.', [30_000]],
    ['after a minute and a half the door opens', [90_000]],
    ['At 2m30s the screen goes dark.', [150_000]],
    ['from 0:20 to 0:40 the train is shown', [20_000, 40_000]],
    ['Between 00:20–00:40 nothing moves.', [20_000, 40_000]],
    ['The sign stays for 10 seconds.', []],
    ['It is 9 closed and 3 open.', []],
    ['No timestamps here.', []],
  ])('%s', (answer, expected) => expect(times(answer)).toEqual(expected));

  it('labels are mm:ss, in the order first cited, each second once', () => {
    expect(extractCitations('At 0:42 the door opens; at 00:31 the man speaks; again at 0:42.5?', D)).toEqual([
      { tMs: 42_000, label: '00:42' },
      { tMs: 31_000, label: '00:31' },
    ]);
    expect(extractCitations('At 1:02:03.', D)).toEqual([{ tMs: 3_723_000, label: '62:03' }]);
  });

  it('drops times past the end of the video', () => {
    expect(times('At 00:59 the screen fades; at 01:30 it is black; at 1:00 it ends.', 60_000)).toEqual([
      59_000, 60_000,
    ]);
    expect(times('at 2 minutes', 60_000)).toEqual([]);
  });
});
