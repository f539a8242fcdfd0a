import type { Clock } from '../../core/clock.js';
import type { VideoFrame } from '../../core/media.js';
import type { Ocr } from '../../models/roles/ocr.js';
import { formatMmSs } from './time.js';
import type { BuiltinTool, ToolRunResult } from './tools.js';

/** What the built-in tools look at. */
export interface BuiltinToolDeps {
  /** The newest camera frame at full resolution, or null (no camera). */
  latestFrame: () => VideoFrame | null;
  /** null: `read_text` says there is no OCR. */
  ocr: Ocr | null;
  clock: Clock;
  /** Clock time of the call's start (ptsMs 0). */
  callStartMs: number;
  /** Wall-clock time (injected for tests). */
  now: () => Date;
}

const result = (value: unknown, image?: ToolRunResult['image']): ToolRunResult =>
  image ? { ok: true, content: JSON.stringify(value), image } : { ok: true, content: JSON.stringify(value) };
const failure = (error: string): ToolRunResult => ({ ok: false, content: JSON.stringify({ error }) });
const noArgs = { type: 'object' as const, properties: {}, additionalProperties: false };

/** `look_closer`, `read_text` and `current_time`. */
export function builtinTools(deps: BuiltinToolDeps): BuiltinTool[] {
  return [
    {
      name: 'look_closer',
      description:
        'Look at the camera now at full resolution, for small details the video summary may miss. The frame is shown to you next.',
      parameters: noArgs,
      async run() {
        const frame = deps.latestFrame();
        if (!frame) return failure('no camera frame');
        return result(
          { ok: true, frameAt: formatMmSs(frame.ptsMs), width: frame.width, height: frame.height },
          { rgb: frame.rgb, width: frame.width, height: frame.height },
        );
      },
    },
    {
      name: 'read_text',
      description: 'Read the text visible on the camera now (signs, screens, documents).',
      parameters: noArgs,
      async run(_args, signal) {
        if (!deps.ocr) return failure('no OCR model is loaded: text cannot be read');
        const frame = deps.latestFrame();
        if (!frame) return failure('no camera frame');
        const lines = await deps.ocr.read(frame, { signal });
        return result({
          frameAt: formatMmSs(frame.ptsMs),
          text: lines.map((l) => l.text).join('\n'),
          lines: lines.length,
        });
      },
    },
    {
      name: 'current_time',
      description: 'The current date and time, and how long this call has lasted.',
      parameters: noArgs,
      async run() {
        return result({
          iso: deps.now().toISOString(),
          callElapsed: formatMmSs(deps.clock.nowMs() - deps.callStartMs),
        });
      },
    },
  ];
}
