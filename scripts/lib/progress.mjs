// Quiet, alive-looking long steps for setup.mjs: a command's full output goes to a log
// file, the terminal gets the few lines that matter and a heartbeat. Dependency-free.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync } from 'node:fs';

/**
 * Runs `cmd args` with its output appended to `logPath` instead of the terminal.
 * Every output line goes through `tracker.line(line)`, which may return text to
 * print at once; every `heartbeatMs` `print` gets a line with the elapsed time and
 * `tracker.status()`, so a long silent step still shows it is alive. Resolves to
 * true when the command exits 0.
 */
export function runLogged(
  cmd,
  args,
  { logPath, label, print, tracker = nullTracker(), heartbeatMs = 10_000, ...spawnOptions },
) {
  return new Promise((resolve) => {
    const log = createWriteStream(logPath, { flags: 'a' });
    log.write(`\n$ ${cmd} ${args.join(' ')}\n`);
    const startedMs = Date.now();
    const child = spawn(cmd, args, { ...spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
    const partial = { stdout: '', stderr: '' };
    const onData = (stream) => (chunk) => {
      log.write(chunk);
      const lines = (partial[stream] + chunk.toString('utf8')).split('\n');
      partial[stream] = lines.pop() ?? '';
      for (const line of lines) {
        const shown = tracker.line(line.replace(/\r$/, ''));
        if (shown) print(shown);
      }
    };
    child.stdout.on('data', onData('stdout'));
    child.stderr.on('data', onData('stderr'));
    const heartbeat = setInterval(() => {
      const status = tracker.status();
      const elapsedS = Math.round((Date.now() - startedMs) / 1000);
      print(`${label}: ${elapsedS} s so far${status ? `, ${status}` : ''}`);
    }, heartbeatMs);
    let settled = false;
    const finish = (ok, note) => {
      if (settled) return;
      settled = true;
      clearInterval(heartbeat);
      if (note) log.write(`\n${note}\n`);
      log.end(() => resolve(ok));
    };
    child.on('error', (error) => finish(false, `could not start ${cmd}: ${error.message}`));
    child.on('close', (code, signal) => finish(code === 0, code === 0 ? '' : `exit ${code ?? signal}`));
  });
}

/** The last `n` lines of a log file ('' when there is none). */
export function tailOf(path, n = 30) {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
}

/** A tracker that prints nothing and has no status. */
export function nullTracker() {
  return { line: () => undefined, status: () => '' };
}

/**
 * Follows `apt-get install -q` and dpkg: how many packages, and how many are
 * fetched, unpacked and set up. apt's errors (`E: …`) are printed at once.
 */
export function aptTracker() {
  let total = null;
  let fetched = 0;
  let unpacked = 0;
  let setUp = 0;
  return {
    line(line) {
      const m = /^\d+ upgraded, (\d+) newly installed/.exec(line);
      if (m) total = Number(m[1]);
      else if (line.startsWith('Get:')) fetched++;
      else if (line.startsWith('Unpacking ')) unpacked++;
      else if (line.startsWith('Setting up ')) setUp++;
      else if (line.startsWith('E: ')) return `apt: ${line.slice(3)}`;
      return undefined;
    },
    status() {
      if (total === null) return '';
      return `${total} packages: ${fetched} fetched, ${unpacked} unpacked, ${setUp} set up`;
    },
    /** Packages apt said it would install (null before it said so). */
    get packages() {
      return total;
    },
  };
}

/**
 * Follows the worker build: ninja's `[n/N] …` lines become the status, the
 * script's own `[worker] …` lines are printed as they come.
 */
export function ninjaTracker() {
  let last = '';
  return {
    line(line) {
      const m = /^\[(\d+)\/(\d+)\] /.exec(line);
      if (m) last = `[${m[1]}/${m[2]}]`;
      else if (line.startsWith('[worker] ')) return line.slice(9);
      return undefined;
    },
    status() {
      return last ? `compiled ${last}` : '';
    },
  };
}
