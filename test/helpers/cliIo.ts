import type { CliIo } from '../../server/cli/io.js';

/** A CliIo that keeps what the command wrote, for assertions. */
export function captureIo(): CliIo & { stdout: () => string; stderr: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out: { write: (t: string) => out.push(t) },
    err: { write: (t: string) => err.push(t) },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}
