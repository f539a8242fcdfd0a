import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aptTracker, ninjaTracker, runLogged, tailOf } from '../../../../scripts/lib/progress.mjs';

/** The shape of a real `apt-get install -q` run (two packages), dpkg noise included. */
const APT_RUN = `Reading package lists...
Building dependency tree...
The following NEW packages will be installed:
  libsox3 sox
0 upgraded, 2 newly installed, 0 to remove and 3 not upgraded.
Need to get 1,234 kB of archives.
Get:1 http://deb.debian.org/debian bookworm/main amd64 libsox3 amd64 14.4.2 [240 kB]
Get:2 http://deb.debian.org/debian bookworm/main amd64 sox amd64 14.4.2 [100 kB]
Fetched 340 kB in 0s (2,000 kB/s)
Selecting previously unselected package libsox3:amd64.
(Reading database ... 12345 files and directories currently installed.)
Preparing to unpack .../libsox3_14.4.2_amd64.deb ...
Unpacking libsox3:amd64 (14.4.2) ...
Selecting previously unselected package sox.
Preparing to unpack .../sox_14.4.2_amd64.deb ...
Unpacking sox (14.4.2) ...
Setting up libsox3:amd64 (14.4.2) ...
Processing triggers for libc-bin (2.36-9) ...`.split('\n');

describe('aptTracker', () => {
  it('counts packages fetched, unpacked and set up, and prints none of the dpkg lines', () => {
    const t = aptTracker();
    expect(t.status()).toBe('');
    const printed = APT_RUN.map((l) => t.line(l)).filter(Boolean);
    expect(printed).toEqual([]);
    expect(t.packages).toBe(2);
    expect(t.status()).toBe('2 packages: 2 fetched, 2 unpacked, 1 set up');
  });

  it("prints apt's errors at once", () => {
    const t = aptTracker();
    expect(t.line('E: Unable to locate package chromum')).toBe('apt: Unable to locate package chromum');
  });
});

describe('ninjaTracker', () => {
  it('keeps the last [n/total] as its status and prints only the script’s own [worker] lines', () => {
    const t = ninjaTracker();
    expect(t.line('[worker] configuring (meson)')).toBe('configuring (meson)');
    expect(t.line('ninja: Entering directory `/tmp/x/build`')).toBeUndefined();
    expect(t.line('[1/225] Compiling C++ object mediasoup-worker.p/src_Utils.cpp.o')).toBeUndefined();
    expect(t.line('[17/225] Compiling C++ object mediasoup-worker.p/src_RTC_Router.cpp.o')).toBeUndefined();
    expect(t.line('../src/RTC/Router.cpp:12: warning: unused variable')).toBeUndefined();
    expect(t.status()).toBe('compiled [17/225]');
  });
});

describe('runLogged', () => {
  // A command that prints a worker line, two ninja steps, then stays silent (sleeps) before a third.
  const script = `
    console.log('[worker] compiling');
    console.log('[1/3] a'); console.log('[2/3] b');
    console.error('a warning on stderr');
    setTimeout(() => { console.log('[3/3] c'); process.exit(Number(process.argv[2])); }, 1500);`;

  let dir: string;
  let scriptPath: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sightline-progress-'));
    // In a file, so the log's "$ command" header does not contain the lines it prints.
    scriptPath = join(dir, 'fake-build.mjs');
    writeFileSync(scriptPath, script);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every line in the log, prints tracker lines and, while the command is silent, heartbeats with its status', async () => {
    const logPath = join(dir, 'build.log');
    const printed: string[] = [];
    const ok = await runLogged(process.execPath, [scriptPath, '0'], {
      logPath,
      label: 'worker build',
      print: (t) => printed.push(t),
      tracker: ninjaTracker(),
      heartbeatMs: 100,
    });
    expect(ok).toBe(true);
    expect(printed.filter((t) => !t.startsWith('worker build: '))).toEqual(['compiling']);
    const beats = printed.filter((t) => t.startsWith('worker build: '));
    for (const b of beats) expect(b).toMatch(/^worker build: \d+ s so far(, compiled \[\d\/3\])?$/);
    // The 1.5 s of silence after [2/3] is covered by heartbeats that say where the build is.
    expect(beats).toContainEqual(expect.stringMatching(/compiled \[2\/3\]$/));
    const log = readFileSync(logPath, 'utf8');
    for (const line of ['[worker] compiling', '[1/3] a', '[2/3] b', 'a warning on stderr', '[3/3] c']) {
      expect(log).toContain(line);
    }
    expect(tailOf(logPath, 1)).toBe('[3/3] c');
  });

  it('resolves false on a non-zero exit and notes the exit in the log', async () => {
    const logPath = join(dir, 'fail.log');
    const ok = await runLogged(process.execPath, [scriptPath, '3'], {
      logPath,
      label: 'x',
      print: () => {},
      heartbeatMs: 60_000,
    });
    expect(ok).toBe(false);
    expect(tailOf(logPath, 3)).toBe('[3/3] c\n\nexit 3');
  });

  it('resolves false when the command cannot start', async () => {
    const logPath = join(dir, 'none.log');
    const ok = await runLogged('/nonexistent/cmd', [], { logPath, label: 'x', print: () => {} });
    expect(ok).toBe(false);
    expect(tailOf(logPath)).toContain('could not start /nonexistent/cmd');
  });
});
