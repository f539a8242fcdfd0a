// Runs StrykerJS with stryker.config.mjs (`npm run test:mutation`, options: --mutate <file,...>,
// --concurrency <n>, --incremental).
//
// StrykerJS 10 declares Node >= 22 and its CLI refuses to start on the project's Node 20; its Stryker
// class runs here, so this calls that class directly. With @stryker-mutator/* 9.6.1 (Node >= 20,
// vitest >= 2) or on Node 22, replace this file with `stryker run stryker.config.mjs`.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    mutate: { type: 'string', short: 'm' },
    concurrency: { type: 'string', short: 'c' },
    incremental: { type: 'boolean' },
  },
});
const options = { configFile: 'stryker.config.mjs' };
if (values.mutate) options.mutate = values.mutate.split(',');
if (values.concurrency) options.concurrency = Number(values.concurrency);
if (values.incremental) options.incremental = true;

const core = dirname(createRequire(import.meta.url).resolve('@stryker-mutator/core'));
const { Stryker } = await import(pathToFileURL(join(core, 'stryker.js')).href);
const results = await new Stryker(options).runMutationTest();
const detected = results.filter((r) => r.status === 'Killed' || r.status === 'Timeout').length;
const valid = results.filter(
  (r) => r.status !== 'CompileError' && r.status !== 'RuntimeError' && r.status !== 'Ignored',
).length;
console.log(
  `mutation score: ${valid === 0 ? 'n/a' : ((100 * detected) / valid).toFixed(1)} % of ${valid} mutants`,
);
