import { formatMmSs } from '../../protocol/time.js';
import type { AskRequest, AskResponse, IngestProgress, VideoInfo } from '../../protocol/video.js';

/** `sightline video --help`. */
export const VIDEO_USAGE = `usage: sightline video <command>

  add FILE [--name NAME] [--no-wait]   upload FILE (resumable: run it again after a cut), show the
                                       ingest's progress, print the video id
  ask ID "QUESTION" [--t SECONDS|mm:ss] [--range START,END] [--json]
                                       ask about a ready video: the answer, then its evidence (mm:ss)
  list [--json]                        your videos with status, length and size
  rm ID                                delete a video (its files and index)

Environment: SIGHTLINE_URL (default http://localhost:8080), SIGHTLINE_TOKEN (else one is asked for
as SIGHTLINE_USER, default cli-$USER; AUTH_MODE=hmac servers need SIGHTLINE_API_KEY),
SIGHTLINE_DATA_DIR (where resumable uploads are remembered).`;

/** One parsed `video` command. */
export type VideoCommand =
  | { kind: 'add'; file: string; name: string | null; wait: boolean }
  | { kind: 'ask'; id: string; request: AskRequest; json: boolean }
  | { kind: 'list'; json: boolean }
  | { kind: 'rm'; id: string }
  | { kind: 'help' };

/** A usage mistake: the message and exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A time flag: seconds (`30`, `12.5`) or a timestamp (`1:05`, `1:02:03`), kept as the API takes it. */
function timeArg(value: string | undefined, flag: string): number | string {
  if (value === undefined || value.trim() === '') throw new UsageError(`${flag} needs a value`);
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  if (/^\d+(:\d{1,2}){1,2}$/.test(v)) return v;
  throw new UsageError(`${flag} takes seconds (30) or a timestamp (1:05), not ${JSON.stringify(value)}`);
}

/** Parses `video …` arguments (after `video`). Throws UsageError. */
export function parseVideoArgs(args: readonly string[]): VideoCommand {
  const [command, ...rest] = args;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h')
    return { kind: 'help' };
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  const valued = new Set(['--name', '--t', '--range']);
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (valued.has(name)) {
        const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
        if (value === undefined) throw new UsageError(`${name} needs a value`);
        flags.set(name, value);
      } else if (['--json', '--no-wait'].includes(name)) {
        flags.set(name, true);
      } else {
        throw new UsageError(`unknown option ${a}`);
      }
    } else {
      positional.push(a);
    }
  }
  const allow = (...names: string[]) => {
    for (const f of flags.keys()) {
      if (!names.includes(f)) throw new UsageError(`video ${command} does not take ${f}`);
    }
  };
  const json = flags.get('--json') === true;
  switch (command) {
    case 'add': {
      allow('--name', '--no-wait');
      if (positional.length !== 1) throw new UsageError('video add takes one FILE');
      const name = flags.get('--name');
      return {
        kind: 'add',
        file: positional[0] as string,
        name: typeof name === 'string' ? name : null,
        wait: flags.get('--no-wait') !== true,
      };
    }
    case 'ask': {
      allow('--t', '--range', '--json');
      if (positional.length !== 2) throw new UsageError('video ask takes an ID and a "QUESTION" (quote it)');
      const request: AskRequest = { question: positional[1] as string };
      const t = flags.get('--t');
      if (t !== undefined) request.t = timeArg(t === true ? undefined : t, '--t');
      const range = flags.get('--range');
      if (range !== undefined) {
        const parts = String(range).split(',');
        if (parts.length !== 2) throw new UsageError('--range takes START,END (20,40 or 0:20,0:40)');
        request.range = [timeArg(parts[0], '--range'), timeArg(parts[1], '--range')];
      }
      if (request.question.trim() === '') throw new UsageError('the question is empty');
      return { kind: 'ask', id: positional[0] as string, request, json };
    }
    case 'list':
      allow('--json');
      if (positional.length !== 0) throw new UsageError('video list takes no arguments');
      return { kind: 'list', json };
    case 'rm':
      allow();
      if (positional.length !== 1) throw new UsageError('video rm takes one ID');
      return { kind: 'rm', id: positional[0] as string };
    default:
      throw new UsageError(`unknown video command "${command}"`);
  }
}

/** Bytes for people: 512 B, 1.5 MB, 2.0 GB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = bytes / 1000;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

/** A text progress bar: `[#####-----]  50%`. */
export function bar(percent: number, width = 24): string {
  const p = Math.max(0, Math.min(100, percent));
  const full = Math.round((p / 100) * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(p)).padStart(3)}%`;
}

/** The upload's progress line. */
export function uploadLine(sentBytes: number, totalBytes: number): string {
  const percent = totalBytes > 0 ? (sentBytes / totalBytes) * 100 : 100;
  return `upload  ${bar(percent)} ${formatBytes(sentBytes)} / ${formatBytes(totalBytes)}`;
}

/** The ingest's progress line. */
export function ingestLine(p: IngestProgress): string {
  const what = p.status === 'ingesting' && p.stage ? `${p.stage} ${Math.floor(p.stagePercent)}%` : p.status;
  return `ingest  ${bar(p.percent)} ${what}`;
}

/** `video list`: one line per video. */
export function formatList(videos: readonly VideoInfo[]): string {
  if (videos.length === 0) return 'no videos\n';
  const rows = videos.map((v) => [
    v.id,
    v.status === 'ingesting' ? `ingesting ${Math.floor(v.percent)}%` : v.status,
    v.durationMs === null ? '--:--' : formatMmSs(v.durationMs),
    formatBytes(Math.max(v.sizeBytes, v.storedBytes)),
    v.name,
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] as string).length)));
  return `${rows
    .map((r) => r.map((cell, i) => (i < 4 ? cell.padEnd(widths[i] as number) : cell)).join('  '))
    .join('\n')}\n`;
}

/** `video ask`: the answer, then the evidence it was built from, every time as mm:ss. */
export function formatAnswer(a: AskResponse): string {
  const lines: string[] = [a.answer.trim(), ''];
  if (a.window) lines.push(`window: ${formatMmSs(a.window.startMs)}–${formatMmSs(a.window.endMs)}`);
  if (a.citations.length > 0) lines.push(`cited: ${a.citations.map((c) => c.label).join(', ')}`);
  if (a.moments.length > 0) {
    lines.push('moments:');
    for (const m of a.moments)
      lines.push(`  ${formatMmSs(m.startMs)}–${formatMmSs(m.endMs)}  [${m.source}] ${m.text}`);
  }
  if (a.chapters.length > 0) {
    lines.push('chapters:');
    for (const c of a.chapters) lines.push(`  ${formatMmSs(c.startMs)}  ${c.title}`);
  }
  lines.push('evidence:');
  const frames = a.evidence.frames.map(
    (f) => `${formatMmSs(f.tMs)}${f.role === 'dense' ? '' : ` (${f.role})`}`,
  );
  lines.push(`  frames: ${frames.length > 0 ? frames.join(', ') : 'none'}`);
  lines.push(`  transcript:${a.evidence.transcript.length === 0 ? ' none' : ''}`);
  for (const s of a.evidence.transcript)
    lines.push(`    ${formatMmSs(s.startMs)}–${formatMmSs(s.endMs)}  ${s.text}`);
  lines.push(`  on screen:${a.evidence.ocr.length === 0 ? ' none' : ''}`);
  for (const o of a.evidence.ocr) lines.push(`    ${formatMmSs(o.tMs)}  ${o.text}`);
  return `${lines.join('\n')}\n`;
}

/** Splits an SSE byte stream's text into `event: progress` payloads; returns them and the unfinished rest. */
export function parseSse(buffer: string): { events: IngestProgress[]; rest: string } {
  const blocks = buffer.split('\n\n');
  const rest = blocks.pop() ?? '';
  const events: IngestProgress[] = [];
  for (const block of blocks) {
    const lines = block.split('\n');
    if (!lines.includes('event: progress')) continue;
    const data = lines
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice(6))
      .join('\n');
    if (data) events.push(JSON.parse(data) as IngestProgress);
  }
  return { events, rest };
}
