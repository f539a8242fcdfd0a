import { createLogger } from '../../core/log.js';
import { SightlineServer } from '../../server/app.js';
import { loadConfig } from '../../server/config.js';

/** Starts a real server (real mediasoup workers) on an ephemeral port. */
export async function startTestServer(env: Record<string, string> = {}): Promise<SightlineServer> {
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: '0',
    MEDIASOUP_WORKERS: '1',
    LOG_LEVEL: (process.env.TEST_LOG_LEVEL as string) ?? 'error',
    ...env,
  });
  return SightlineServer.create(config, { log: createLogger({ level: config.log.level }) });
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
