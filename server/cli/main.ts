import { modelsCommand } from './models.js';

const [, , group, ...args] = process.argv;
if (group === 'models') {
  process.exitCode = await modelsCommand(args);
} else {
  process.stderr.write('usage: sightline models <list|pull|verify|path> [--set NAME | MODEL...]\n');
  process.exitCode = group === undefined || group === '--help' ? 0 : 2;
}
