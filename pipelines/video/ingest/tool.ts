import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ModelError } from '../../../models/runtime/errors.js';

/** What a finished ffmpeg/ffprobe run left. */
export interface ToolResult {
  code: number | null;
  stdout: string;
  /** The last 16 KiB of stderr (ffmpeg's error lines). */
  stderr: string;
}

const STDERR_KEEP = 16 * 1024;

/**
 * Runs ffmpeg or ffprobe to its end. `onLine` gets stdout line by line (then
 * stdout is not kept); otherwise stdout is collected. An abort kills the
 * process and rejects with ERR_ABORTED. Never rejects for a non-zero exit: the
 * caller judges `code` and `stderr`.
 */
export function runTool(
  command: 'ffmpeg' | 'ffprobe',
  args: readonly string[],
  options: { signal?: AbortSignal; onLine?: (line: string) => void } = {},
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const { signal, onLine } = options;
    if (signal?.aborted) {
      reject(new ModelError('ERR_ABORTED', `${command} was cancelled`));
      return;
    }
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    if (onLine) createInterface({ input: child.stdout }).on('line', onLine);
    else child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString('utf8');
      if (stderr.length > STDERR_KEEP * 2) stderr = stderr.slice(-STDERR_KEEP);
    });
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => {
      signal?.removeEventListener('abort', onAbort);
      reject(error);
    });
    child.once('close', (code) => {
      signal?.removeEventListener('abort', onAbort);
      if (signal?.aborted) reject(new ModelError('ERR_ABORTED', `${command} was cancelled`));
      else resolve({ code, stdout, stderr: stderr.slice(-STDERR_KEEP) });
    });
  });
}

/** Reads ffmpeg's `-progress pipe:1` lines: calls `onTimeMs` with each `out_time_us` (as ms). */
export function progressLines(onTimeMs: (ms: number) => void): (line: string) => void {
  return (line) => {
    if (!line.startsWith('out_time_us=')) return;
    const us = Number(line.slice('out_time_us='.length));
    if (Number.isFinite(us) && us >= 0) onTimeMs(us / 1000);
  };
}
