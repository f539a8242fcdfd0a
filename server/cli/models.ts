import { ModelManager, managerOptionsFromEnv } from '../../models/manager/manager.js';
import { progressPrinter } from '../../models/manager/progress.js';
import { ModelError } from '../../models/runtime/errors.js';

const USAGE = `usage: sightline models <command> [--set NAME | MODEL...]

  list     each model of the set, its files and whether they are present
  pull     download what is missing (resumable, verified, atomic)
  verify   re-hash present files against their pinned sha256
  path     print the directory of each model

Sets: default (whisper-base, SmolVLM2-256M, Kokoro), small, large. Without a set or models: --set default.
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

/** `sightline models …`; returns the process exit code. */
export async function modelsCommand(
  args: string[],
  out = process.stdout,
  err = process.stderr,
): Promise<number> {
  const [command, ...rest] = args;
  const manager = new ModelManager(managerOptionsFromEnv());
  try {
    switch (command) {
      case 'list': {
        out.write(`models directory: ${manager.dir}\nsource: ${manager.baseUrl}\n`);
        for (const m of manager.resolve(targets(rest))) {
          const st = manager.status(m);
          const present = st.filter((s) => s.present).length;
          out.write(`\n${m.id}  (${m.role}, ${m.repo}@${m.revision})  ${present}/${st.length} files\n`);
          for (const s of st) {
            const state = s.present ? 'ok     ' : s.partialBytes > 0 ? 'partial' : 'missing';
            out.write(
              `  ${state}  ${s.file.path}${s.partialBytes > 0 ? ` (${s.partialBytes} bytes so far)` : ''}\n`,
            );
          }
        }
        out.write('\nVAD (Silero v5) and OCR (PP-OCRv4) ship inside npm packages: nothing to download.\n');
        return 0;
      }
      case 'pull': {
        const ac = new AbortController();
        process.once('SIGINT', () => ac.abort());
        await manager.pull(targets(rest), {
          signal: ac.signal,
          onProgress: progressPrinter(err),
          onFile: (label, state) => {
            if (state === 'present') out.write(`present  ${label}\n`);
          },
        });
        out.write(`all files present in ${manager.dir}\n`);
        return 0;
      }
      case 'verify': {
        const results = await manager.verify(targets(rest));
        for (const r of results) out.write(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.label}  ${r.reason}\n`);
        return results.every((r) => r.ok) ? 0 : 1;
      }
      case 'path': {
        for (const m of manager.resolve(targets(rest))) out.write(`${m.id}\t${manager.pathOf(m)}\n`);
        return 0;
      }
      default:
        err.write(`${USAGE}\n`);
        return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
    }
  } catch (error) {
    // One readable line, never a stack trace: a user ran a command, not a debugger.
    const message =
      error instanceof ModelError ? error.message : error instanceof Error ? error.message : String(error);
    err.write(`\nsightline: ${message}\n`);
    return 1;
  }
}
