#!/usr/bin/env node
// Builds the @sightline/client package into client/dist/ and prints what each entry weighs:
//   index.js             the SDK core, ESM, minified; mediasoup-client and tus-js-client stay imports
//                        (they are the package's dependencies, deduplicated by the app's bundler)
//   react.js             the React hook; imports react and ./index.js (React users pay ~1 KB more)
//   sightline.bundle.js  everything in one file, for a plain <script type="module"> without a bundler
//   types/               .d.ts from `tsc -p client/tsconfig.build.json`
// Fails when the core (with tus-js-client, without mediasoup-client) is over 40 KB min+gzip, when
// react.js is over 3 KB min+gzip, or when server-only code leaks in. `--no-types` skips tsc.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'client/dist');
const SDK_INDEX = join(ROOT, 'client/sdk/index.ts');

/** Limits in bytes of minified + gzipped output. */
const LIMITS = { coreGzipBytes: 40 * 1024, reactGzipBytes: 3 * 1024 };
/** Server-only packages that must never reach a browser build. */
const SERVER_ONLY = ['node_modules/zod/', 'node_modules/ajv/', 'node_modules/mediasoup/'];
const PACKAGE_DEPS = ['mediasoup-client', 'tus-js-client'];

const common = {
  absWorkingDir: ROOT,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
};

/** The React entry imports the core as a sibling file, so the core is never bundled twice. */
const coreAsSibling = {
  name: 'core-as-sibling',
  setup(b) {
    b.onResolve({ filter: /\/sdk\/index\.js$/ }, (args) =>
      join(args.resolveDir, args.path) === join(ROOT, 'client/sdk/index.js')
        ? { path: './index.js', external: true }
        : undefined,
    );
  },
};

function fail(message) {
  process.stderr.write(`build-sdk: ${message}\n`);
  process.exit(1);
}

async function bundle(name, options) {
  const { metafile } = await build({ ...common, ...options });
  const leaked = Object.keys(metafile.inputs).filter((p) => SERVER_ONLY.some((s) => p.includes(s)));
  if (leaked.length > 0) fail(`${name} pulls in server-only code: ${leaked.slice(0, 3).join(', ')}`);
  return options.outfile ? sizeOf(options.outfile) : undefined;
}

function sizeOf(file) {
  const bytes = readFileSync(file);
  return {
    file: relative(ROOT, file),
    minBytes: bytes.length,
    gzipBytes: gzipSync(bytes, { level: 9 }).length,
  };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

rmSync(DIST, { recursive: true, force: true });
const sizes = {
  core: await bundle('index.js', {
    entryPoints: [SDK_INDEX],
    outfile: join(DIST, 'index.js'),
    external: PACKAGE_DEPS,
  }),
  react: await bundle('react.js', {
    entryPoints: [join(ROOT, 'client/react/index.ts')],
    outfile: join(DIST, 'react.js'),
    external: ['react', ...PACKAGE_DEPS],
    plugins: [coreAsSibling],
  }),
  bundle: await bundle('sightline.bundle.js', {
    entryPoints: [SDK_INDEX],
    outfile: join(DIST, 'sightline.bundle.js'),
  }),
};
// What the limit is about: the core with tus-js-client bundled, only mediasoup-client left out.
const measured = join(DIST, '.core-with-tus.js');
sizes.coreWithTus = await bundle('core+tus', {
  entryPoints: [SDK_INDEX],
  outfile: measured,
  external: ['mediasoup-client'],
  sourcemap: false,
});
rmSync(measured, { force: true });

console.log('@sightline/client bundle sizes (minified / minified+gzip):');
const rows = [
  ['index.js (core; mediasoup-client, tus-js-client external)', sizes.core],
  ['core + tus-js-client (mediasoup-client external) [limit]', sizes.coreWithTus],
  ['react.js (react and ./index.js external) [limit]', sizes.react],
  ['sightline.bundle.js (everything, for <script type=module>)', sizes.bundle],
];
for (const [label, s] of rows)
  console.log(`  ${label.padEnd(62)} ${kb(s.minBytes).padStart(9)} ${kb(s.gzipBytes).padStart(9)}`);
console.log(
  `SDK_SIZES ${JSON.stringify(Object.fromEntries(Object.entries(sizes).map(([k, s]) => [k, { minBytes: s.minBytes, gzipBytes: s.gzipBytes }])))}`,
);

if (sizes.coreWithTus.gzipBytes > LIMITS.coreGzipBytes)
  fail(`the SDK core is ${kb(sizes.coreWithTus.gzipBytes)} min+gzip, over ${kb(LIMITS.coreGzipBytes)}`);
if (sizes.react.gzipBytes > LIMITS.reactGzipBytes)
  fail(`react.js is ${kb(sizes.react.gzipBytes)} min+gzip, over ${kb(LIMITS.reactGzipBytes)}`);

if (!process.argv.includes('--no-types')) {
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'client/tsconfig.build.json'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) fail('the declarations did not build (tsc -p client/tsconfig.build.json)');
  const leaks = foreignTypeImports(join(DIST, 'types'));
  if (leaks.length > 0)
    fail(`the declarations import packages the SDK does not depend on: ${leaks.join(', ')}`);
  console.log('declarations in client/dist/types/');
}

/**
 * Bare package names the shipped declarations import that an app installing the
 * package would not have (a server-only type such as zod's would be `any` there,
 * or an error under `skipLibCheck: false`).
 */
function foreignTypeImports(dir) {
  const allowed = new Set([...PACKAGE_DEPS, 'react']);
  const found = [];
  for (const entry of readdirSync(dir, { recursive: true })) {
    const file = join(dir, String(entry));
    if (!file.endsWith('.d.ts')) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from\s+|import\(\s*)['"]([^'".][^'"]*)['"]/g)) {
      const spec = m[1];
      const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
      if (!allowed.has(name)) found.push(`${name} (${relative(DIST, file)})`);
    }
  }
  return [...new Set(found)];
}
