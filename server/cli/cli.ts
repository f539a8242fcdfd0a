import { type CliIo, processIo } from './io.js';
import { MODELS_USAGE, modelsCommand } from './models.js';
import { videoCommand } from './video.js';

/** The whole `sightline --help`. */
export const HELP = `sightline: the Sightline command line

usage: sightline <command> [options]

Commands:
  models list    [--set NAME | MODEL...]   each model's files and whether they are present
  models pull    [--set NAME | MODEL...]   download what is missing (resumable, verified, atomic)
  models verify  [--set NAME | MODEL...]   re-hash present files against their pinned sha256
  models path    [--set NAME | MODEL...]   print the directory of each model
  models tiny DIR [--set NAME]             write tiny RANDOM test models into DIR, laid out like the real
                                           downloads (tests, wiring demos: SIGHTLINE_MODELS_DIR=DIR npm start)
  video add FILE [--name NAME] [--no-wait] upload a video (resumable), show its ingest, print its id
  video ask ID "QUESTION" [--t 30] [--range 20,40] [--json]
                                           ask about a video: the answer and its evidence with mm:ss
  video list [--json] | video rm ID        your videos; delete one
  video worker                             an ingest worker process for the BullMQ queue (REDIS_URL, SIGHTLINE_DATA_DIR)
  help                                     this text (also --help, -h)

Sets: default (whisper-base, SmolVLM2-256M, Kokoro, Smart Turn v3), small, large; without a set or models: --set default.
--configured instead of a set: what the server's environment needs (SIGHTLINE_MODEL_SET, TTS_ENGINE, SMART_TURN, *_BASE_URL).
Environment: SIGHTLINE_MODELS_DIR (where models live), HF_ENDPOINT (a Hugging Face mirror);
video: SIGHTLINE_URL, SIGHTLINE_TOKEN or SIGHTLINE_USER (and SIGHTLINE_API_KEY for hmac servers).

The server itself: npm start (set-up, then http://localhost:8080); the tests: npm test.`;

const HELP_WORDS = new Set(['help', '--help', '-h']);

/** Runs `sightline ARGS…` and returns the process exit code (0 ok, 1 failed, 2 usage error). */
export async function runCli(args: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = args;
  if (command === undefined || HELP_WORDS.has(command)) {
    io.out.write(`${HELP}\n`);
    return 0;
  }
  if (command === 'video' && rest[0] === 'worker')
    return (await import('../video/worker/main.js')).runIngestWorker().then(() => 0);
  if (command === 'models') {
    if (rest[0] === undefined || HELP_WORDS.has(rest[0])) {
      io.out.write(`${MODELS_USAGE}\n`);
      return 0;
    }
    return modelsCommand(rest, io);
  }
  if (command === 'video') return videoCommand(rest, io);
  io.err.write(`sightline: unknown command "${command}"\n\n${HELP}\n`);
  return 2;
}
