import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** A spawned `node --import tsx <script>` whose output is kept for assertions. */
export interface Spawned {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves when the output contains `text` (rejects after `timeoutMs` or when the process exits first). */
  waitFor(text: string | RegExp, timeoutMs: number): Promise<string>;
  /** SIGKILL (or `signal`) and wait for the exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns a TypeScript entry point of the repository (path relative to its root) with `env` on top of ours. */
export function spawnTs(script: string, env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (c: Buffer) => {
    out += c.toString();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    async waitFor(text, timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        const m =
          typeof text === 'string' ? (out.includes(text) ? text : null) : (out.match(text)?.[0] ?? null);
        if (m !== null) return m;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(
            `${script} exited (${child.exitCode ?? child.signalCode}) before "${text}":\n${out.slice(-4000)}`,
          );
        }
        if (performance.now() > deadline)
          throw new Error(`timed out waiting for "${text}" from ${script}:\n${out.slice(-4000)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
