// Bundles the browser SDK and the page with esbuild into dist/client/.
import { build } from 'esbuild';

const common = { bundle: true, format: 'esm', target: 'es2022', sourcemap: true, logLevel: 'warning' };
await build({ ...common, entryPoints: ['client/page/main.ts'], outfile: 'dist/client/app.js' });
await build({ ...common, entryPoints: ['client/sdk/index.ts'], outfile: 'dist/client/sdk.js' });
console.log('built dist/client/app.js and dist/client/sdk.js');
