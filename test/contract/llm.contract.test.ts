import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenAiLlm } from '../../models/remote/openaiLlm.js';
import type { Llm, LlmMessage, LlmToken, LlmVideoFrame } from '../../models/roles/llm.js';
import { SmolVlmLlm } from '../../models/roles/smolVlmLlm.js';
import { FakeLlm } from '../../pipelines/testing/fakes/fakeLlm.js';
import { collect } from '../helpers/collect.js';
import { closeSharedOpenAiServer, sharedOpenAiServer } from '../helpers/openAiServer.js';
import { tinyModelDir } from '../helpers/tinyModels.js';

/**
 * SmolVLM2 on a tiny-random model with the real export's contract (its words are noise), an
 * OpenAI-compatible server (a local one speaking the wire format), and the fake.
 */
const implementations: [string, () => Promise<Llm>][] = [
  ['smolvlm', () => SmolVlmLlm.load(tinyModelDir('smolvlm'))],
  [
    'openai',
    async () => new OpenAiLlm({ baseUrl: (await sharedOpenAiServer()).baseUrl, model: 'test-model' }),
  ],
  ['fake', async () => new FakeLlm({ reply: 'The door is red and it is open now, come in and sit.' })],
];
afterAll(closeSharedOpenAiServer);

function frame(ptsMs: number, shade: number): LlmVideoFrame {
  const width = 64;
  const height = 48;
  return { rgb: new Uint8Array(width * height * 3).fill(shade), width, height, ptsMs };
}

const ASK: LlmMessage[] = [{ role: 'user', content: [{ type: 'text', text: 'Say something.' }] }];

describe.each(implementations)('LLM role contract: %s', (_name, load) => {
  let llm: Llm;
  beforeAll(async () => {
    llm = await load();
  });
  afterAll(() => llm.dispose());

  it('streams at most maxNewTokens tokens, the same ones for the same request when greedy', async () => {
    const a = await collect(llm.generate(ASK, { maxNewTokens: 6 }));
    expect(a.length).toBeGreaterThan(0);
    expect(a.length).toBeLessThanOrEqual(6);
    const b = await collect(llm.generate(ASK, { maxNewTokens: 6 }));
    expect(b.map((t) => t.text).join('')).toBe(a.map((t) => t.text).join(''));
  });

  it('takes a still image and a clip of frames in the messages', async () => {
    const messages: LlmMessage[] = [
      {
        role: 'user',
        content: [
          { type: 'image', image: frame(0, 200) },
          { type: 'video', frames: [frame(0, 10), frame(1000, 90), frame(2000, 250)] },
          { type: 'text', text: 'What changed?' },
        ],
      },
    ];
    expect((await collect(llm.generate(messages, { maxNewTokens: 3 }))).length).toBeGreaterThan(0);
  });

  it('stops mid-stream on abort: ERR_ABORTED and no token after it', async () => {
    const ac = new AbortController();
    const got: LlmToken[] = [];
    const run = (async () => {
      for await (const t of llm.generate(ASK, { maxNewTokens: 40, signal: ac.signal })) {
        got.push(t);
        ac.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    expect(got).toHaveLength(1);
  });
});
