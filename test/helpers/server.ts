import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../core/clock.js';
import { createLogger, type Logger, type LogLevel } from '../../core/log.js';
import { SightlineServer } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';
import { FIXTURE_DIR } from './fixtures.js';

/** One parsed log line. */
export interface LogRecord {
  level: LogLevel;
  msg: string;
  [field: string]: unknown;
}

/** A logger that keeps its lines in memory, so a test asserts on them instead of printing them. */
export interface CapturedLog {
  log: Logger;
  records: LogRecord[];
  /** The records at `level`, optionally only those whose message contains `msg`. */
  at(level: LogLevel, msg?: string): LogRecord[];
}

/** Creates a logger that captures every line at `level` and above (default: debug, so nothing is lost). */
export function captureLog(level: LogLevel = 'debug'): CapturedLog {
  const records: LogRecord[] = [];
  const log = createLogger({ level, write: (line) => records.push(JSON.parse(line) as LogRecord) });
  return {
    log,
    records,
    at: (l, msg) => records.filter((r) => r.level === l && (msg === undefined || r.msg.includes(msg))),
  };
}

/** A models directory with nothing in it: the server starts and reports every model missing. */
export const NO_MODELS_DIR = join(FIXTURE_DIR, 'no-models');

/**
 * Starts a real server (real mediasoup workers) on an ephemeral port. Logs go to
 * stderr at TEST_LOG_LEVEL (default error) unless `options.log` is given; tests
 * that provoke errors on purpose pass a captured log and assert on it. A
 * `ManualClock` makes time-based limits deterministic.
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: { log?: Logger; clock?: Clock } = {},
): Promise<SightlineServer> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    MEDIASOUP_WORKERS: '1',
    LOG_LEVEL: (process.env.TEST_LOG_LEVEL as string) ?? 'error',
    // Never the user's downloaded models: a test names its models dir (e.g. tinyModelSetDir()).
    SIGHTLINE_MODELS_DIR: NO_MODELS_DIR,
    // Never the user's video index either: a fresh data dir unless the test names one (restarts reuse theirs).
    SIGHTLINE_DATA_DIR: mkdtempSync(join(tmpdir(), 'sightline-data-')),
    // A dropped socket's call waits this long for `resume` (20 s in production): short, so a test that
    // drops sockets sees their calls freed soon; a test of resume sets its own.
    CALL_RESUME_WINDOW_MS: '1000',
    ...env,
  });
  return SightlineServer.create(config, {
    log: options.log ?? createLogger({ level: config.log.level }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

/** Polls `check` every 50 ms until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== null && v !== false) return v;
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** True when a process with this pid exists. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The value of one Prometheus sample in `text` (`name` may carry labels:
 * `x{kind="video"}`), or `absent` when there is no such line (NaN by default, so a
 * misspelt name fails; prom-client omits a labelled series until its first use).
 */
export function metricValue(text: string, name: string, absent = Number.NaN): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? absent : Number(line.slice(name.length + 1));
}
