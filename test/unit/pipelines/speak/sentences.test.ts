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
});
