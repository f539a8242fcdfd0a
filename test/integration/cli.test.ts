import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const sightline = (...args: string[]) =>
  spawnSync(process.execPath, ['bin/sightline.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });

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
