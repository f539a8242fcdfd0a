import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const sightline = (args: string[] | string, env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['bin/sightline.mjs', ...(typeof args === 'string' ? [args] : args)], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, ...env },
  });

describe('the sightline executable', () => {
  it('--help prints the whole help, models commands included', () => {
    const r = sightline('--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('usage: sightline <command>');
    expect(r.stdout).toContain('models verify');
    expect(r.stdout.split('\n').length).toBeGreaterThan(10);
  });

  it('an unknown command says so and exits 2', () => {
    const r = sightline('serve');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('sightline: unknown command "serve"');
  });
});

describe('sightline models tiny DIR', () => {
  it('writes the tiny set with progress lines; models list with that dir reports every file present', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sightline-tiny-'));
    try {
      const r = sightline(['models', 'tiny', dir]);
      expect(r.status).toBe(0);
      expect(r.stderr).toContain('writing tiny RANDOM test models');
      for (const id of ['whisper-base', 'smolvlm2-256m-video', 'kokoro-82m', 'smart-turn-v3']) {
        expect(r.stderr).toMatch(new RegExp(`writing ${id} → .* done \\(\\d+ ms\\)`));
      }
      const list = sightline(['models', 'list'], { SIGHTLINE_MODELS_DIR: dir });
      expect(list.status).toBe(0);
      expect(list.stdout).toContain('All 24 files present.');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
