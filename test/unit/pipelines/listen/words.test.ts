import { describe, expect, it } from 'vitest';
import { isBackchannel, looksUnfinished } from '../../../../pipelines/listen/words.js';

describe('looksUnfinished', () => {
  it.each([
    'I want a pizza and',
    'I want a pizza and.',
    'It broke, so',
    'Yes but',
    'I called because',
    'Tea or',
    'Could you look at the',
    'Give me a',
    'Well, um',
    'Well, ummm...',
    'So I was, uh',
    'er',
    'The first thing,',
    'Let me think…',
    'My number is 0 7 7',
    'My number is 0 7 7.',
    'my number is zero seven seven nine',
    'The code is 4411',
    'The code is 4411.',
    'it is 3 point',
    'double seven',
  ])('%j looks unfinished', (text) => {
    expect(looksUnfinished(text)).toBe(true);
  });

  it.each([
    '',
    '   ',
    'What is on the table?',
    'I want a pizza.',
    'Is this a pen and?',
    'Tell me a story',
    "I'm 25.",
    'I have 3 kids',
    'It costs 3.5',
    'Thanks, that was grand!',
    'Hand me the brand',
    'I understand',
  ])('%j looks finished', (text) => {
    expect(looksUnfinished(text)).toBe(false);
  });
});

describe('isBackchannel', () => {
  it.each([
    'mhm',
    'Mhm.',
    'Mm-hmm.',
    'mm hmm',
    'Mmmm.',
    'Uh-huh',
    'uh huh.',
    'OK',
    'Okay.',
    'okayyy',
    'Yeah.',
    'Yeah, yeah.',
    'Yes!',
    'Right.',
    'Sure',
    'I see.',
    'Oh, I see.',
    'Got it.',
    'Hm.',
    'Hmmm...',
    'Okay, got it.',
    "That's right.",
  ])('%j is a backchannel', (text) => {
    expect(isBackchannel(text)).toBe(true);
  });

  it.each([
    '',
    '...',
    'Stop.',
    'No.',
    'Wait, what?',
    'Yeah, but what about the red one?',
    'OK so tell me more',
    'Yes yes yes yes yes',
    'Right now please',
    'I see a dog',
    'Sure, why not do it later',
    'Hmm, actually no',
  ])('%j is not a backchannel', (text) => {
    expect(isBackchannel(text)).toBe(false);
  });
});
