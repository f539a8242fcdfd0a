import { ModelManager, managerOptionsFromEnv, PULL_COMMAND } from '../../models/manager/manager.js';
import { progressPrinter } from '../../models/manager/progress.js';
import { configuredDownloads } from '../assistant/plan.js';
import { loadConfig } from '../config.js';
import { type CliIo, processIo } from './io.js';
import { tinyCommand } from './tiny.js';

/** `sightline models --help`. */
export const MODELS_USAGE = `usage: sightline models <command> [--set NAME | MODEL...]

  list     each model of the set, its files and whether they are present
  pull     download what is missing (resumable, verified, atomic)
  verify   re-hash present files against their pinned sha256
  path     print the directory of each model
  tiny DIR write tiny RANDOM test models for the set into DIR, laid out like the real downloads
           (for tests and wiring demos: SIGHTLINE_MODELS_DIR=DIR npm start; every answer is noise)

Sets: default (whisper-base, SmolVLM2-256M, Kokoro, Smart Turn v3), small, large. Without a set or models: --set default.
--configured: the models the server's environment needs (SIGHTLINE_MODEL_SET, TTS_ENGINE, SMART_TURN,
and no LLM/STT/TTS model for a role with LLM_BASE_URL/STT_BASE_URL/TTS_BASE_URL).
Environment: SIGHTLINE_MODELS_DIR (where models live), HF_ENDPOINT (a Hugging Face mirror).`;

function targets(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--set') out.push(args[++i] ?? 'default');
    else if (a.startsWith('--set=')) out.push(a.slice(6));
    else if (!a.startsWith('-')) out.push(a);
  }
  return out.length > 0 ? out : ['default'];
}

/**
 * What the server configured by `env` reads from the models directory (the
 * first run's fetch): model ids, or the set when it is the whole set.
 */
function configuredTargets(manager: ModelManager, env: NodeJS.ProcessEnv): string[] {
  const config = loadConfig(env).assistant;
  const remote = { llm: !!env.LLM_BASE_URL, stt: !!env.STT_BASE_URL, tts: !!env.TTS_BASE_URL };
  const ids = configuredDownloads(config, manager, remote).map((m) => m.id);
  const whole = manager.sets[config.modelSet] ?? [];
  return ids.length === whole.length && whole.every((id) => ids.includes(id)) ? [config.modelSet] : ids;
}

/** The pull command for exactly these targets, as a user would type it. */
function pullCommand(manager: ModelManager, names: string[]): string {
  return `${PULL_COMMAND} ${names.map((x) => (manager.sets[x] ? `--set ${x}` : x)).join(' ')}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function list(manager: ModelManager, names: string[], io: CliIo): number {
  io.out.write(`models directory: ${manager.dir}\nsource: ${manager.baseUrl}\n`);
  let files = 0;
  let missing = 0;
  for (const m of manager.resolve(names)) {
    const st = manager.status(m);
    const present = st.filter((s) => s.present).length;
    files += st.length;
    missing += st.length - present;
    io.out.write(`\n${m.id}  (${m.role}, ${m.repo}@${m.revision})  ${present}/${st.length} files\n`);
    for (const s of st) {
      const state = s.present ? 'ok     ' : s.partialBytes > 0 ? 'partial' : 'missing';
      io.out.write(
        `  ${state}  ${s.file.path}${s.partialBytes > 0 ? ` (${s.partialBytes} bytes so far)` : ''}\n`,
      );
    }
  }
  io.out.write('\nVAD (Silero v5) and OCR (PP-OCRv4) ship inside npm packages: nothing to download.\n');
  io.out.write(
    missing === 0
      ? `All ${plural(files, 'file')} present.\n`
      : `${missing} of ${plural(files, 'file')} missing. Fetch them with: ${pullCommand(manager, names)}\n`,
  );
  return 0;
}

async function verify(manager: ModelManager, names: string[], io: CliIo): Promise<number> {
  const results = await manager.verify(names);
  for (const r of results) io.out.write(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.label}  ${r.reason}\n`);
  const missing = results.filter((r) => !r.ok && r.reason === 'missing').length;
  const failed = results.filter((r) => !r.ok).length - missing;
  const ok = results.length - missing - failed;
  io.out.write(
    `\nverify: ${ok} ok, ${missing} missing, ${failed} failed (of ${plural(results.length, 'file')})\n`,
  );
  if (failed > 0) {
    io.out.write(
      `Files that fail their checksum are damaged or changed: delete them, then run: ${pullCommand(manager, names)}\n`,
    );
  } else if (missing > 0) {
    io.out.write(`Fetch the missing files with: ${pullCommand(manager, names)}\n`);
  }
  return failed + missing === 0 ? 0 : 1;
}

/**
 * `sightline models …`; returns the process exit code. `manager` defaults to one
 * configured from the environment (SIGHTLINE_MODELS_DIR, HF_ENDPOINT).
 */
export async function modelsCommand(
  args: string[],
  io: CliIo = processIo,
  manager: ModelManager = new ModelManager(managerOptionsFromEnv()),
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const [command, ...rest] = args;
  try {
    if (command === 'tiny') return tinyCommand(rest, manager, io);
    const names = rest.includes('--configured') ? configuredTargets(manager, env) : targets(rest);
    if (names.length === 0) {
      io.out.write('the configured server reads no model files (every role is remote or built in)\n');
      return 0;
    }
    switch (command) {
      case 'list':
        return list(manager, names, io);
      case 'pull': {
        const ac = new AbortController();
        const onSigint = () => ac.abort();
        process.once('SIGINT', onSigint);
        let present = 0;
        let fetched = 0;
        try {
          await manager.pull(names, {
            signal: ac.signal,
            // A writer without isTTY (tests) gets the printer's plain line mode.
            onProgress: progressPrinter(io.err as NodeJS.WriteStream),
            onFile: (_label, state) => {
              if (state === 'present') present++;
              else fetched++;
            },
          });
        } finally {
          process.off('SIGINT', onSigint);
        }
        io.out.write(
          `all files present in ${manager.dir} (${plural(fetched, 'file')} fetched, ${present} already there)\n`,
        );
        return 0;
      }
      case 'verify':
        return await verify(manager, names, io);
      case 'path':
        for (const m of manager.resolve(names)) io.out.write(`${m.id}\t${manager.pathOf(m)}\n`);
        return 0;
      default:
        io.err.write(`sightline: unknown models command "${command}"\n\n${MODELS_USAGE}\n`);
        return 2;
    }
  } catch (error) {
    // One readable line, never a stack trace: a user ran a command, not a debugger.
    const message = error instanceof Error ? error.message : String(error);
    io.err.write(`\nsightline: ${message}\n`);
    return 1;
  }
}
