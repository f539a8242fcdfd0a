// Bundles the browser SDK and the page with esbuild into dist/client/.
import { build } from 'esbuild';

/** Server-only packages that must never reach the browser bundle (zod alone adds ~770 KB). */
const SERVER_ONLY = ['node_modules/zod/', 'node_modules/ajv/', 'node_modules/mediasoup/'];

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  sourcemap: true,
  logLevel: 'warning',
  metafile: true,
};
for (const [entry, outfile] of [
  ['client/page/main.ts', 'dist/client/app.js'],
  ['client/sdk/index.ts', 'dist/client/sdk.js'],
  ['client/timeline/main.ts', 'dist/client/timeline.js'],
]) {
  const { metafile } = await build({ ...common, entryPoints: [entry], outfile });
  const leaked = Object.keys(metafile.inputs).filter((p) => SERVER_ONLY.some((s) => p.includes(s)));
  if (leaked.length > 0) {
    console.error(`${outfile} pulls in server-only code: ${leaked.slice(0, 3).join(', ')}`);
    console.error('import protocol values from protocol/limits.ts or version.ts, types from messages.ts');
    process.exit(1);
  }
}
console.log('built dist/client/app.js, sdk.js and timeline.js');
