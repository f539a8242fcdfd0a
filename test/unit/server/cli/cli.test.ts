import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ModelManager } from '../../../../models/manager/manager.js';
import type { ModelEntry } from '../../../../models/manager/manifest.js';
import { runCli } from '../../../../server/cli/cli.js';
import { modelsCommand } from '../../../../server/cli/models.js';
import { captureIo } from '../../../helpers/cliIo.js';
import { sha256Hex } from '../../../helpers/sha256.js';

/** An io that keeps what was written. */

describe('sightline', () => {
  it.each([[[]], [['--help']], [['-h']], [['help']]])('%j prints the whole help on stdout', async (args) => {
    const io = captureIo();
    expect(await runCli(args, io)).toBe(0);
    for (const command of [
      'models list',
      'models pull',
      'models verify',
      'models path',
      'models tiny DIR',
      'npm start',
    ]) {
      expect(io.stdout()).toContain(command);
    }
    expect(io.stderr()).toBe('');
  });

  it('says an unknown command is unknown, shows the help on stderr and exits 2', async () => {
    const io = captureIo();
    expect(await runCli(['modles', 'list'], io)).toBe(2);
    expect(io.stderr()).toMatch(/^sightline: unknown command "modles"\n/);
    expect(io.stderr()).toContain('models pull');
    expect(io.stdout()).toBe('');
  });

  it('says an unknown models command is unknown and exits 2; models --help exits 0', async () => {
    const io = captureIo();
    expect(await runCli(['models', 'fetch'], io)).toBe(2);
    expect(io.stderr()).toMatch(/^sightline: unknown models command "fetch"\n/);
    const help = captureIo();
    expect(await runCli(['models', '--help'], help)).toBe(0);
    expect(help.stdout()).toContain('usage: sightline models');
  });
});

const CONFIG = Buffer.from('{"model_type":"tiny"}');
const MODEL: ModelEntry = {
  id: 'tiny',
  role: 'stt',
  repo: 'acme/tiny',
  revision: 'main',
  files: [{ path: 'onnx/model.onnx' }, { path: 'config.json', sha256: sha256Hex(CONFIG) }],
};

describe('sightline models', () => {
  let dir: string;
  let manager: ModelManager;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sightline-cli-'));
    manager = new ModelManager({
      dir,
      baseUrl: 'http://127.0.0.1:1',
      models: [MODEL],
      sets: { default: ['tiny'] },
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const put = (path: string, body: Buffer) => {
    const p = join(manager.pathOf(MODEL), path);
    mkdirSync(join(p, '..'), { recursive: true });
    writeFileSync(p, body);
  };

  it('list names the command that fetches what is missing, for the same targets', async () => {
    const io = captureIo();
    expect(await modelsCommand(['list'], io, manager)).toBe(0);
    expect(io.stdout()).toContain('missing  onnx/model.onnx');
    expect(io.stdout()).toMatch(
      /2 of 2 files missing\. Fetch them with: npx sightline models pull --set default\n$/,
    );
    const byId = captureIo();
    await modelsCommand(['list', 'tiny'], byId, manager);
    expect(byId.stdout()).toMatch(/Fetch them with: npx sightline models pull tiny\n$/);
  });

  it('list says all is present when it is, and names no command', async () => {
    put('onnx/model.onnx', Buffer.from('weights'));
    put('config.json', CONFIG);
    const io = captureIo();
    await modelsCommand(['list'], io, manager);
    expect(io.stdout()).toMatch(/All 2 files present\.\n$/);
    expect(io.stdout()).not.toContain('models pull');
  });

  it('verify prints a summary and the pull command when files are missing, and exits 1', async () => {
    put('config.json', CONFIG);
    const io = captureIo();
    expect(await modelsCommand(['verify'], io, manager)).toBe(1);
    expect(io.stdout()).toContain('FAIL  tiny/onnx/model.onnx  missing');
    expect(io.stdout()).toContain('ok    tiny/config.json  sha256 ok');
    expect(io.stdout()).toContain('verify: 1 ok, 1 missing, 0 failed (of 2 files)');
    expect(io.stdout()).toMatch(/Fetch the missing files with: npx sightline models pull --set default\n$/);
  });

  it('verify counts a checksum failure apart from a missing file and says how to repair it', async () => {
    put('onnx/model.onnx', Buffer.from('weights'));
    put('config.json', Buffer.from('{"model_type":"changed"}'));
    const io = captureIo();
    expect(await modelsCommand(['verify'], io, manager)).toBe(1);
    expect(io.stdout()).toContain('verify: 1 ok, 0 missing, 1 failed (of 2 files)');
    expect(io.stdout()).toMatch(/delete them, then run: npx sightline models pull --set default\n$/);
  });

  it('verify exits 0 with a clean summary when every file is good', async () => {
    put('onnx/model.onnx', Buffer.from('weights'));
    put('config.json', CONFIG);
    const io = captureIo();
    expect(await modelsCommand(['verify'], io, manager)).toBe(0);
    expect(io.stdout()).toMatch(/\nverify: 2 ok, 0 missing, 0 failed \(of 2 files\)\n$/);
  });

  it('an unknown model is one readable line naming the known ones, exit 1', async () => {
    const io = captureIo();
    expect(await modelsCommand(['list', 'gpt-9'], io, manager)).toBe(1);
    expect(io.stderr()).toMatch(/^\nsightline: .*"gpt-9".*known: default, tiny/);
    expect(io.stderr()).not.toMatch(/\n\s+at /);
  });
});

describe('sightline models with the real manifest', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sightline-cli-configured-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const manager = () => new ModelManager({ dir, baseUrl: 'http://127.0.0.1:1' });
  const listed = (stdout: string) => [...stdout.matchAll(/^(\S+) {2}\(/gm)].map((m) => m[1]);

  it('--configured lists what the environment needs: the whole set by default', async () => {
    const io = captureIo();
    expect(await modelsCommand(['list', '--configured'], io, manager(), {})).toBe(0);
    expect(listed(io.stdout())).toEqual([
      'whisper-base',
      'smolvlm2-256m-video',
      'kokoro-82m',
      'smart-turn-v3',
    ]);
    expect(io.stdout()).toMatch(/Fetch them with: npx sightline models pull --set default\n$/);
  });

  it('--configured skips remote roles, another TTS engine and Smart Turn off; follows SIGHTLINE_MODEL_SET', async () => {
    const io = captureIo();
    const env = { SIGHTLINE_MODEL_SET: 'small', LLM_BASE_URL: 'http://gpu:8000/v1', TTS_ENGINE: 'espeak' };
    expect(await modelsCommand(['list', '--configured'], io, manager(), env)).toBe(0);
    expect(listed(io.stdout())).toEqual(['whisper-tiny.en', 'smart-turn-v3']);
    expect(io.stdout()).toMatch(
      /Fetch them with: npx sightline models pull whisper-tiny\.en smart-turn-v3\n$/,
    );
    const none = captureIo();
    const allRemote = {
      STT_BASE_URL: 'http://a',
      LLM_BASE_URL: 'http://b',
      TTS_BASE_URL: 'http://c',
      SMART_TURN: 'off',
    };
    expect(await modelsCommand(['pull', '--configured'], none, manager(), allRemote)).toBe(0);
    expect(none.stdout()).toContain('reads no model files');
  });

  it('--configured with a bad configuration is one readable line, exit 1', async () => {
    const io = captureIo();
    expect(
      await modelsCommand(['pull', '--configured'], io, manager(), { SIGHTLINE_MODEL_SET: 'huge' }),
    ).toBe(1);
    expect(io.stderr()).toMatch(/^\nsightline: SIGHTLINE_MODEL_SET=huge is not a model set/);
  });

  it('tiny without a directory is a usage error (exit 2)', async () => {
    const io = captureIo();
    expect(await modelsCommand(['tiny'], io, manager())).toBe(2);
    expect(io.stderr()).toContain('models tiny needs a directory');
  });

  it('tiny DIR --set small writes the small set, and pull then has nothing to fetch', async () => {
    const io = captureIo();
    expect(await modelsCommand(['tiny', dir, '--set', 'small'], io, manager())).toBe(0);
    expect(io.stdout()).toContain('4 tiny models written');
    const pulled = captureIo();
    expect(await modelsCommand(['pull', '--set', 'small'], pulled, manager())).toBe(0);
    expect(pulled.stdout()).toMatch(/all files present in .* \(0 files fetched, 24 already there\)\n$/);
  });
});
