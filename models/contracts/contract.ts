import { ModelError } from '../runtime/errors.js';
import type { OnnxModel, TensorSpec } from '../runtime/onnxModel.js';
import kokoro from './kokoro.json' with { type: 'json' };
import piper from './piper.json' with { type: 'json' };
import ppocr from './ppocr.json' with { type: 'json' };
import siglip from './siglip.json' with { type: 'json' };
import sileroVad from './silero-vad.json' with { type: 'json' };
import smartTurn from './smart-turn.json' with { type: 'json' };
import smolvlm from './smolvlm.json' with { type: 'json' };
import whisper from './whisper.json' with { type: 'json' };

/**
 * One axis of a recorded tensor:
 * - a number: fixed at that size (3 colour channels, 80 mel bins of Smart Turn);
 * - `"=name"`: fixed, at a size that depends on the model's size (heads, hidden size);
 *   every `=name` of one session must have one size;
 * - `"?"`: not recorded (it differs between exports of the same family);
 * - any other string: symbolic (dynamic). The name is the reference export's, for the
 *   reader; only symbolic-versus-fixed is compared, as names vary between export versions.
 */
export type AxisRecord = number | string;

/** A recorded input or output. `{i}` in the name stands for the layer index. */
export interface TensorRecord {
  name: string;
  dtype: string;
  shape: AxisRecord[];
  /** Present in some exports of the family only; when present it must match. */
  optional?: boolean;
  note?: string;
}

/** One ONNX file of a model family. */
export interface SessionRecord {
  name: string;
  /** Path inside the model's directory (or the file name, for single-file models). */
  file: string;
  inputs: TensorRecord[];
  outputs: TensorRecord[];
}

/** A model family's tensor contract, as recorded in models/contracts/<family>.json. */
export interface ContractRecord {
  family: string;
  description: string;
  /** Where each fact comes from. */
  sources: string[];
  sessions: SessionRecord[];
}

/** A tensor as a loaded session declares it. */
export interface TensorSignature extends TensorSpec {
  name: string;
}

/** The declared inputs and outputs of a loaded session. */
export interface SessionSignature {
  inputs: TensorSignature[];
  outputs: TensorSignature[];
}

const RECORDS = {
  whisper,
  smolvlm,
  kokoro,
  piper,
  'silero-vad': sileroVad,
  ppocr,
  'smart-turn': smartTurn,
  siglip,
};

/** The recorded model families. */
export type ModelFamily = keyof typeof RECORDS;

/** Every recorded family's name. */
export const MODEL_FAMILIES = Object.keys(RECORDS) as ModelFamily[];

function checkTensor(where: string, t: unknown): TensorRecord {
  const r = t as Partial<TensorRecord>;
  const axesOk =
    Array.isArray(r.shape) &&
    r.shape.every((a) => (typeof a === 'number' && Number.isInteger(a) && a >= 0) || typeof a === 'string');
  if (typeof r.name !== 'string' || typeof r.dtype !== 'string' || !axesOk)
    throw new ModelError('ERR_MODEL_LOAD', `contract ${where}: a tensor needs a name, a dtype and a shape`);
  return r as TensorRecord;
}

/** The recorded contract of a family, checked for form. */
export function loadContract(family: ModelFamily): ContractRecord {
  const raw = RECORDS[family] as Partial<ContractRecord>;
  if (raw.family !== family || !Array.isArray(raw.sessions) || !Array.isArray(raw.sources))
    throw new ModelError('ERR_MODEL_LOAD', `contract ${family}: malformed record`);
  for (const s of raw.sessions) {
    for (const t of [...s.inputs, ...s.outputs]) checkTensor(`${family}/${s.name}`, t);
  }
  return raw as ContractRecord;
}

/** The recorded session named `session` of a family. */
export function sessionRecord(family: ModelFamily, session: string): SessionRecord {
  const found = loadContract(family).sessions.find((s) => s.name === session);
  if (!found) throw new ModelError('ERR_MODEL_LOAD', `contract ${family}: no session ${session}`);
  return found;
}

/** What a loaded `OnnxModel` declares, for comparison with a record. */
export function modelSignature(model: OnnxModel): SessionSignature {
  const read = (names: readonly string[], spec: (n: string) => TensorSpec | null) =>
    names.map((name) => {
      const s = spec(name);
      return { name, type: s?.type ?? 'non-tensor', shape: s?.shape ?? [] };
    });
  return {
    inputs: read(model.inputNames, (n) => model.inputSpec(n)),
    outputs: read(model.outputNames, (n) => model.outputSpec(n)),
  };
}

function layerPattern(name: string): RegExp {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('\\{i\\}', '(\\d+)');
  return new RegExp(`^${escaped}$`);
}

/** Layer count of a session: one more than the highest `{i}` any actual name takes. */
function layerCount(record: SessionRecord, actual: SessionSignature): number {
  let layers = 0;
  for (const t of [...record.inputs, ...record.outputs]) {
    if (!t.name.includes('{i}')) continue;
    const re = layerPattern(t.name);
    for (const a of [...actual.inputs, ...actual.outputs]) {
      const m = re.exec(a.name);
      if (m) layers = Math.max(layers, Number(m[1]) + 1);
    }
  }
  return layers;
}

/** Record entries with `{i}` expanded for layers 0…layers−1. */
export function expandRecords(records: readonly TensorRecord[], layers: number): TensorRecord[] {
  return records.flatMap((t) =>
    t.name.includes('{i}')
      ? Array.from({ length: layers }, (_, i) => ({ ...t, name: t.name.replace('{i}', String(i)) }))
      : [t],
  );
}

function describeAxis(a: AxisRecord): string {
  if (typeof a === 'number') return `fixed ${a}`;
  if (a.startsWith('=')) return `fixed (${a.slice(1)})`;
  return `symbolic (${a})`;
}

function compareTensors(
  side: 'input' | 'output',
  records: TensorRecord[],
  actual: readonly TensorSignature[],
  sizes: Map<string, { size: number; where: string }>,
): string[] {
  const problems: string[] = [];
  const byName = new Map(actual.map((t) => [t.name, t]));
  const recorded = new Set(records.map((t) => t.name));
  for (const r of records) {
    const a = byName.get(r.name);
    if (!a) {
      if (!r.optional) problems.push(`${side} ${r.name} is missing`);
      continue;
    }
    if (a.type !== r.dtype) problems.push(`${side} ${r.name}: dtype ${a.type}, recorded ${r.dtype}`);
    if (a.shape.length !== r.shape.length) {
      problems.push(
        `${side} ${r.name}: rank ${a.shape.length} [${a.shape.join(', ')}], recorded ${r.shape.length}`,
      );
      continue;
    }
    r.shape.forEach((axis, i) => {
      const dim = a.shape[i] as number | string;
      if (axis === '?') return;
      const symbolic = typeof dim === 'string';
      const wantSymbolic = typeof axis === 'string' && !axis.startsWith('=');
      const at = `${side} ${r.name}: axis ${i}`;
      if (symbolic !== wantSymbolic) {
        problems.push(
          `${at} is ${symbolic ? `symbolic (${dim || 'unnamed'})` : `fixed ${dim}`}, recorded ${describeAxis(axis)}`,
        );
      } else if (typeof axis === 'number' && dim !== axis) {
        problems.push(`${at} is ${dim}, recorded ${axis}`);
      } else if (typeof axis === 'string' && axis.startsWith('=') && typeof dim === 'number') {
        const seen = sizes.get(axis);
        if (!seen) sizes.set(axis, { size: dim, where: at });
        else if (seen.size !== dim)
          problems.push(`${at} is ${dim} but ${seen.where} is ${seen.size}; both are ${axis.slice(1)}`);
      }
    });
  }
  for (const a of actual) if (!recorded.has(a.name)) problems.push(`${side} ${a.name} is not in the record`);
  return problems;
}

/**
 * Every difference between a loaded session and its record: missing or
 * unrecorded names (per-layer names expanded), dtypes, ranks, fixed-versus-symbolic
 * axes, fixed sizes, and `=name` sizes that disagree within the session.
 * `layers` (default: as many as the session's names show) is the count `{i}` expands to.
 */
export function compareToRecord(
  record: SessionRecord,
  actual: SessionSignature,
  options: { layers?: number } = {},
): string[] {
  const layers = options.layers ?? layerCount(record, actual);
  const sizes = new Map<string, { size: number; where: string }>();
  const hasLayers = [...record.inputs, ...record.outputs].some((t) => t.name.includes('{i}'));
  return [
    ...(hasLayers && layers === 0 ? ['no per-layer tensors ({i}) found'] : []),
    ...compareTensors('input', expandRecords(record.inputs, layers), actual.inputs, sizes),
    ...compareTensors('output', expandRecords(record.outputs, layers), actual.outputs, sizes),
  ];
}

/** Throws ERR_MODEL_LOAD listing every difference between a session and its record, one per line. */
export function assertMatchesRecord(
  family: ModelFamily,
  session: string,
  actual: SessionSignature,
  options: { layers?: number } = {},
): void {
  const problems = compareToRecord(sessionRecord(family, session), actual, options);
  if (problems.length > 0)
    throw new ModelError(
      'ERR_MODEL_LOAD',
      `${family}/${session} does not match its recorded contract (models/contracts/${family}.json):\n  ${problems.join('\n  ')}`,
    );
}
