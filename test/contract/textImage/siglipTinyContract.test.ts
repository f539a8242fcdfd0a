import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertMatchesRecord, loadContract, modelSignature } from '../../../models/contracts/contract.js';
import { ModelManager } from '../../../models/manager/manager.js';
import { findModel, MODEL_SETS } from '../../../models/manager/manifest.js';
import { OnnxModel } from '../../../models/runtime/onnxModel.js';
import { SiglipTextImage } from '../../../models/textImage/siglip.js';
import { tinyGeneratorFor, writeTinyModelSet } from '../../../models/tiny/tinySet.js';
import { tinyModelDir } from '../../helpers/tinyModels.js';

/** The test that catches the tiny SigLIP drifting from the real export (models/contracts/siglip.json). */
describe('the tiny SigLIP matches the recorded contract of Xenova/siglip-base-patch16-224', () => {
  const contract = loadContract('siglip');
  const scratch: string[] = [];
  afterAll(() => {
    for (const d of scratch) rmSync(d, { recursive: true, force: true });
  });

  it.each(contract.sessions.map((s) => [s.name, s] as const))(
    '%s: the file the record names, with its names, dtypes and axes',
    async (_, session) => {
      const path = join(tinyModelDir('siglip'), session.file);
      expect(existsSync(path)).toBe(true);
      const model = await OnnxModel.load(`siglip/${session.name}`, path);
      try {
        expect(() => assertMatchesRecord('siglip', session.name, modelSignature(model))).not.toThrow();
      } finally {
        await model.dispose();
      }
    },
  );

  it('has the repo files the runner reads, with the real values (pad = eos = </s> = 1, 64 tokens, 224², mean = std = 0.5)', () => {
    const dir = tinyModelDir('siglip');
    const read = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Record<string, unknown>;
    expect(read('tokenizer_config.json')).toMatchObject({
      pad_token: '</s>',
      eos_token: '</s>',
      model_max_length: 64,
      do_lower_case: true,
      model_input_names: ['input_ids'],
    });
    expect(read('preprocessor_config.json')).toMatchObject({
      size: { height: 224, width: 224 },
      resample: 3,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
    });
    const tokenizer = read('tokenizer.json') as { added_tokens: { id: number; content: string }[] };
    expect(tokenizer.added_tokens.find((t) => t.content === '</s>')?.id).toBe(1);
  });

  it('the manifest entry (optional, in no set) fetches every file the record and the runner read', () => {
    const entry = findModel('siglip-base');
    expect(entry?.role).toBe('text-image');
    expect(entry?.repo).toBe('Xenova/siglip-base-patch16-224');
    const paths = entry?.files.map((f) => f.path) ?? [];
    for (const s of contract.sessions) expect(paths).toContain(s.file);
    for (const f of ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json'])
      expect(paths).toContain(f);
    for (const set of Object.values(MODEL_SETS)) expect(set).not.toContain('siglip-base');
  });

  it('`models tiny DIR siglip-base` writes it where the real download goes, and the runner loads it there', async () => {
    const entry = findModel('siglip-base');
    if (!entry) throw new Error('no siglip-base entry');
    expect(tinyGeneratorFor(entry)).toBe('siglip');
    const dir = mkdtempSync(join(tmpdir(), 'siglip-set-'));
    scratch.push(dir);
    const manager = new ModelManager({ dir, baseUrl: 'http://127.0.0.1:1' });
    writeTinyModelSet([entry], (m) => manager.pathOf(m));
    expect(manager.status(entry).every((s) => s.present)).toBe(true);
    const model = await SiglipTextImage.load(manager.pathOf(entry));
    await model.dispose();
  });
});
