import { describe, expect, it } from 'vitest';
import { splitSentences } from '../../../../pipelines/speak/sentences.js';

async function split(text: string | string[], opts = {}): Promise<string[]> {
  const out: string[] = [];
  const src =
    typeof text === 'string'
      ? text
      : (async function* () {
          yield* text;
        })();
  for await (const s of splitSentences(src, opts)) out.push(s);
  return out;
}

describe('splitSentences', () => {
  it('splits at sentence ends but not at abbreviations, initials or decimals', async () => {
    expect(
      await split('Dr. Smith paid $3.50 for it. J. R. R. Tolkien wrote e.g. this! Really? Yes.'),
    ).toEqual(['Dr. Smith paid $3.50 for it.', 'J. R. R. Tolkien wrote e.g. this!', 'Really?', 'Yes.']);
  });

  it('waits for the next token before deciding on a final dot', async () => {
    expect(await split(['It costs 3', '.', '5 euros. Ok'])).toEqual(['It costs 3.5 euros.', 'Ok']);
  });

  it('keeps closing quotes and brackets with their sentence; drops punctuation-only pieces', async () => {
    expect(await split('He said "go." (Then left.) ... !')).toEqual(['He said "go."', '(Then left.)']);
  });

  it('lets a long first clause go at a comma, and cuts run-on text', async () => {
    const first = await split('Well, thinking about this question for a while, the answer is probably yes.');
    expect(first[0]).toBe('Well, thinking about this question for a while,');
    const long = await split(`${'word '.repeat(100)}end.`, { maxChars: 60 });
    expect(long.every((s) => s.length <= 60)).toBe(true);
  });

  it('cuts only the first sentence at a comma: a long comma clause in a later sentence stays whole', async () => {
    const later = 'Well, thinking about this question for a while, the answer is probably yes.';
    expect(
      await split(`Hm. ${later} Also, after a long pause of thinking, I would add one more thing.`),
    ).toEqual(['Hm.', later, 'Also, after a long pause of thinking, I would add one more thing.']);
    // Streamed word by word, as an LLM would.
    const tokens = `Sure. ${later}`.split(/(?<= )/);
    expect(await split(tokens)).toEqual(['Sure.', later]);
  });

  it('ends a sentence at a newline, and at "!" or "?" even after a word like "no"', async () => {
    expect(await split('First line\nSecond line')).toEqual(['First line', 'Second line']);
    expect(await split('Oh no! It broke. Why no? Because.')).toEqual([
      'Oh no!',
      'It broke.',
      'Why no?',
      'Because.',
    ]);
  });

  it('speaks a long first clause while the rest of its sentence is still streaming', async () => {
    const tokens = 'Well, thinking about this question for a while, the answer is probably yes.'.split(
      /(?<= )/,
    );
    const events: string[] = [];
    const source = (async function* () {
      for (const t of tokens) {
        events.push(`fed ${t.trim()}`);
        yield t;
      }
    })();
    for await (const s of splitSentences(source)) events.push(`said ${s}`);
    const said = events.indexOf('said Well, thinking about this question for a while,');
    expect(said).toBeGreaterThan(0);
    expect(said).toBeLessThan(events.indexOf('fed yes.'));
    expect(events.at(-1)).toBe('said the answer is probably yes.');
  });

  it('cuts run-on text between words, or inside a word longer than the limit', async () => {
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
    const pieces = await split(words.join(' '), { maxChars: 60 });
    expect(pieces.length).toBeGreaterThan(4);
    for (const p of pieces) expect(p.length).toBeLessThanOrEqual(60);
    expect(pieces.join(' ').split(' ')).toEqual(words);
    expect(await split('x'.repeat(130), { maxChars: 60 })).toEqual([
      'x'.repeat(60),
      'x'.repeat(60),
      'x'.repeat(10),
    ]);
  });
});
