#!/usr/bin/env node
// Brings a fresh machine to the point where Sightline starts and its tests run.
// Dependency-free (runs before node_modules exists). Idempotent: each step is
// skipped when already done. Usage: node scripts/setup.mjs [--for=start|test]
import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir, release, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptTracker, ninjaTracker, nullTracker, runLogged, tailOf } from './lib/progress.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const purpose = (process.argv.find((a) => a.startsWith('--for=')) ?? '--for=test').slice(6);
const started = Date.now();
// Long steps (apt, the worker build) write here; the terminal gets one line per step and a heartbeat.
const LOG_DIR = join(tmpdir(), 'sightline-setup');

const APT_RUNTIME = ['ffmpeg'];
const APT_TEST = [
  'chromium',
  'espeak-ng',
  'sox',
  'pocketsphinx-testdata',
  'fonts-dejavu-core',
  'redis-server',
  // The reconnect test breaks ICE by dropping the media ports on lo (test/helpers/netBlock.ts).
  'nftables',
];
const APT_WORKER_BUILD = [
  'g++',
  'meson',
  'ninja-build',
  'pkg-config',
  'python3',
  'flatbuffers-compiler',
  'libflatbuffers-dev',
  'libssl-dev',
  'libuv1-dev',
  'libsrtp2-dev',
  'libusrsctp-dev',
  'libabsl-dev',
];

function step(msg) {
  const s = ((Date.now() - started) / 1000).toFixed(1).padStart(5);
  process.stdout.write(`[setup ${s}s] ${msg}\n`);
}

function die(msg) {
  process.stderr.write(`\nsetup failed: ${msg}\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });
  return r.status === 0;
}

function missingDebPackages(names) {
  if (!existsSync('/usr/bin/dpkg-query')) return [];
  return names.filter((n) => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a dpkg-query format, not a JS template
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', n], { encoding: 'utf8' });
    return !(r.stdout ?? '').includes('install ok installed');
  });
}

const logsStarted = new Set();
/** Runs a long command with its output in LOG_DIR/<name>.log; on failure shows the log's tail and dies. */
async function runQuietly(name, cmd, args, { label, tracker = nullTracker(), env, failure, cwd = ROOT }) {
  mkdirSync(LOG_DIR, { recursive: true });
  const logPath = join(LOG_DIR, `${name}.log`);
  // Each set-up run starts its logs afresh; steps of one run append to them.
  if (!logsStarted.has(name)) writeFileSync(logPath, '');
  logsStarted.add(name);
  const print = (text) => step(`  ${text}`);
  if (await runLogged(cmd, args, { logPath, label, tracker, print, cwd, env })) return logPath;
  process.stderr.write(`\n--- last lines of ${logPath} ---\n${tailOf(logPath, 40)}\n---\n`);
  die(`${failure} (full log: ${logPath})`);
}

let aptUpdated = false;
async function ensureDebPackages(names, why) {
  const missing = missingDebPackages(names);
  if (missing.length === 0) return;
  const cmd = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) die(`${why} needs Debian packages: ${missing.join(', ')}.\nRun: sudo ${cmd}`);
  step(`installing ${missing.join(', ')} (${why}); apt's output goes to ${join(LOG_DIR, 'apt.log')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    await runQuietly('apt', 'apt-get', ['update', '-q'], {
      label: 'apt-get update',
      env,
      failure: 'apt-get update failed',
    });
    aptUpdated = true;
  }
  const t0 = Date.now();
  const tracker = aptTracker();
  await runQuietly('apt', 'apt-get', ['install', '-y', '-q', '--no-install-recommends', ...missing], {
    label: 'apt-get install',
    tracker,
    env,
    failure: `apt-get could not install ${missing.join(', ')}`,
  });
  const n = tracker.packages ?? 0;
  step(`  installed ${n} package${n === 1 ? '' : 's'} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist') continue; // client/dist is built from the rest
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

// 1. System packages.
await ensureDebPackages(APT_RUNTIME, 'media processing');
if (purpose === 'test') await ensureDebPackages(APT_TEST, 'the browser and audio tests');

// 2. npm packages. Install scripts are skipped on purpose (same result under npm 10 and 11):
// the mediasoup worker is handled below; onnxruntime-node's script only fetches CUDA files;
// sharp and esbuild ship their binaries as optional dependencies.
const stamp = join(ROOT, 'node_modules', '.package-lock.json');
const lockfile = join(ROOT, 'package-lock.json');
if (!existsSync(stamp) || statSync(stamp).mtimeMs < statSync(lockfile).mtimeMs) {
  step('installing npm packages (npm ci)');
  if (!run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'])) die('npm ci failed');
} else step('npm packages are up to date');

// 3. The mediasoup worker: prebuilt where it can be downloaded, otherwise built once and cached.
const msVersion = JSON.parse(readFileSync(join(ROOT, 'node_modules/mediasoup/package.json'), 'utf8')).version;
const workerPath = join(ROOT, 'node_modules/mediasoup/worker/out/Release/mediasoup-worker');
const cacheDir = join(
  process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
  'sightline',
  `mediasoup-worker-${msVersion}`,
);
const cached = join(cacheDir, 'mediasoup-worker');
/** Downloads mediasoup's own prebuilt worker (what its postinstall does, without its build-from-source fallback). */
async function fetchPrebuiltWorker(version, releaseDir) {
  const base =
    process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL ??
    'https://github.com/versatica/mediasoup/releases/download';
  const kernel = process.platform === 'linux' ? `-kernel${release().split('.')[0]}` : '';
  const url = `${base}/${version}/mediasoup-worker-${version}-${process.platform}-${process.arch}${kernel}.tgz`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(120_000) });
    if (!res.ok) return false;
    const tgz = join(tmpdir(), `mediasoup-worker-${process.pid}.tgz`);
    writeFileSync(tgz, Buffer.from(await res.arrayBuffer()));
    mkdirSync(releaseDir, { recursive: true });
    const ok = run('tar', ['xzf', tgz, '-C', releaseDir]);
    rmSync(tgz, { force: true });
    return ok;
  } catch {
    return false;
  }
}

function workerRuns(path) {
  // The worker exits at once without its channel fds; a missing shared library fails with 127.
  const r = spawnSync(path, ['--version'], { encoding: 'utf8', timeout: 5000 });
  return r.error === undefined && r.status !== 127 && r.status !== 126;
}
if (process.env.MEDIASOUP_WORKER_BIN) {
  if (!existsSync(process.env.MEDIASOUP_WORKER_BIN)) die(`MEDIASOUP_WORKER_BIN points to a missing file`);
  step(`using MEDIASOUP_WORKER_BIN=${process.env.MEDIASOUP_WORKER_BIN}`);
} else if (existsSync(workerPath) && workerRuns(workerPath)) {
  step(`mediasoup worker ${msVersion} is in place`);
} else {
  if (!existsSync(cached)) {
    step(`fetching the prebuilt mediasoup worker ${msVersion}`);
    const fetched = await fetchPrebuiltWorker(msVersion, dirname(workerPath));
    if (fetched && existsSync(workerPath) && workerRuns(workerPath)) {
      step('prebuilt mediasoup worker installed');
    } else {
      step('no prebuilt worker reachable; building it from the npm tarball with Debian libraries (cached)');
      await ensureDebPackages(APT_WORKER_BUILD, 'building the mediasoup worker');
      step(`the worker build's output goes to ${join(LOG_DIR, 'worker-build.log')}`);
      await runQuietly(
        'worker-build',
        'bash',
        [join(ROOT, 'scripts/mediasoup-offline/build-worker.sh'), msVersion, cacheDir],
        {
          label: 'mediasoup worker build',
          tracker: ninjaTracker(),
          failure: 'the mediasoup worker build failed',
        },
      );
    }
  }
  if (existsSync(cached) && !(existsSync(workerPath) && workerRuns(workerPath))) {
    await ensureDebPackages(
      ['libssl3', 'libuv1', 'libsrtp2-1', 'libusrsctp2', 'libabsl20220623'],
      'the mediasoup worker',
    );
    mkdirSync(dirname(workerPath), { recursive: true });
    copyFileSync(cached, workerPath);
    spawnSync('chmod', ['755', workerPath]);
    step(`mediasoup worker ${msVersion} installed from ${cached}`);
  }
  if (!workerRuns(workerPath)) die(`the mediasoup worker at ${workerPath} does not run`);
}

// 3b. better-sqlite3's native addon (the video index): its install script was skipped above. A
// prebuilt binary where one can be downloaded, otherwise a build from its bundled SQLite with the
// node-gyp that ships inside npm (~75 s on 2 cores), cached per version and Node ABI.
function sqliteLoads() {
  const r = spawnSync(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').close()"], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return r.status === 0;
}
const bsqDir = join(ROOT, 'node_modules/better-sqlite3');
if (existsSync(bsqDir) && !sqliteLoads()) {
  const bsqVersion = JSON.parse(readFileSync(join(bsqDir, 'package.json'), 'utf8')).version;
  const addon = join(bsqDir, 'build/Release/better_sqlite3.node');
  const bsqCache = join(
    process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'),
    'sightline',
    `better-sqlite3-${bsqVersion}-abi${process.versions.modules}-${process.platform}-${process.arch}.node`,
  );
  if (existsSync(bsqCache)) {
    mkdirSync(dirname(addon), { recursive: true });
    copyFileSync(bsqCache, addon);
  }
  if (!sqliteLoads()) {
    step(
      `building better-sqlite3 ${bsqVersion} (the video index database); output in ${join(LOG_DIR, 'sqlite-build.log')}`,
    );
    const prebuilt = join(ROOT, 'node_modules/prebuild-install/bin.js');
    const fetched =
      existsSync(prebuilt) &&
      spawnSync(process.execPath, [prebuilt, '--verbose'], { cwd: bsqDir, stdio: 'ignore', timeout: 60_000 })
        .status === 0 &&
      sqliteLoads();
    if (!fetched) {
      const npmGyp = join(
        dirname(process.execPath),
        '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
      );
      const gyp = existsSync(npmGyp) ? [npmGyp] : [join(ROOT, 'node_modules/.bin/node-gyp')];
      await ensureDebPackages(['g++', 'make', 'python3'], 'building better-sqlite3');
      // Node's own headers where they are installed beside it (no download of them).
      const nodePrefix = join(dirname(process.execPath), '..');
      const headers = existsSync(join(nodePrefix, 'include/node/node.h')) ? [`--nodedir=${nodePrefix}`] : [];
      await runQuietly(
        'sqlite-build',
        process.execPath,
        [...gyp, 'rebuild', '--release', '-j', '2', ...headers],
        {
          label: 'better-sqlite3 build',
          env: { ...process.env, npm_config_build_from_source: 'true' },
          failure: 'the better-sqlite3 build failed',
          cwd: bsqDir,
        },
      );
    }
  }
  if (!sqliteLoads()) die('better-sqlite3 does not load after its build');
  mkdirSync(dirname(bsqCache), { recursive: true });
  copyFileSync(addon, bsqCache);
  step(`better-sqlite3 ${bsqVersion} is in place (cached at ${bsqCache})`);
}

// 4. The browser bundle.
const bundle = join(ROOT, 'dist/client/app.js');
const newestSource = Math.max(newestMtime(join(ROOT, 'client')), newestMtime(join(ROOT, 'protocol')));
if (!existsSync(bundle) || statSync(bundle).mtimeMs < newestSource) {
  step('building the browser bundle');
  if (!run('node', ['scripts/build-client.mjs'])) die('the browser bundle build failed');
}
// 4b. The SDK package (@sightline/client in client/dist): what apps install; the embedding tests pack it.
const sdkBuilt = join(ROOT, 'client/dist/index.js');
if (!existsSync(sdkBuilt) || statSync(sdkBuilt).mtimeMs < newestSource) {
  step('building the SDK package (client/dist) and checking its size');
  if (!run('node', ['scripts/build-sdk.mjs'])) die('the SDK package build failed');
}

// 5. The models, on the start path only (the tests never fetch): what the configured server reads
// (SIGHTLINE_MODELS_DIR, SIGHTLINE_MODEL_SET, TTS_ENGINE, …), with the model manager's progress bar.
// Offline, or when the fetch fails, the server starts anyway and reports what is missing; it never
// falls back to the tiny test models.
if (purpose === 'start') {
  step('fetching what the configured model set lacks (nothing when every file is present)');
  const pulled = run(process.execPath, [join(ROOT, 'bin/sightline.mjs'), 'models', 'pull', '--configured']);
  if (pulled) step('models are in place');
  else
    step(
      'models NOT fetched (no network, or the download failed): starting anyway; /readyz and the page name what is missing',
    );
}

step(`ready for ${purpose}`);
