import { resolve } from 'node:path';
import { ModelManager } from '../../models/manager/manager.js';
import { writeTinyModelSet } from '../../models/tiny/tinySet.js';
import type { CliIo } from './io.js';

/** `sightline models tiny DIR [--set NAME | MODEL...]`: the tiny random set, laid out like the real downloads. */
export function tinyCommand(args: string[], manager: ModelManager, io: CliIo): number {
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--set') positional.push(`--set=${args[++i] ?? 'default'}`);
    else if (!a.startsWith('-') || a.startsWith('--set=')) positional.push(a);
  }
  const [dirArg, ...rest] = positional;
  if (dirArg === undefined || dirArg.startsWith('--set=')) {
    io.err.write('sightline: models tiny needs a directory: sightline models tiny DIR [--set NAME]\n');
    return 2;
  }
  const dir = resolve(dirArg);
  const names = rest.map((x) => (x.startsWith('--set=') ? x.slice(6) : x));
  const target = new ModelManager({
    dir,
    baseUrl: manager.baseUrl,
    models: manager.models,
    sets: manager.sets,
  });
  const models = target.resolve(names.length > 0 ? names : ['default']);
  io.err.write(`writing tiny RANDOM test models into ${dir}\n`);
  writeTinyModelSet(
    models,
    (m) => target.pathOf(m),
    (model, path, event, elapsedMs) => {
      if (event === 'writing') io.err.write(`  writing ${model.id} → ${path} …`);
      else io.err.write(` done (${Math.round(elapsedMs)} ms)\n`);
    },
  );
  io.out.write(
    `${models.length} tiny models written in ${dir}.\n` +
      'They have random weights: the assistant runs end to end on them, and every answer is noise.\n' +
      `Run the server on them with: SIGHTLINE_MODELS_DIR=${dir} npm start\n`,
  );
  return 0;
}
