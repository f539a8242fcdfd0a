import { describe, expect, it } from 'vitest';
import { createLogger, MAX_CAUSE_DEPTH } from '../../../core/log.js';
import { SightlineError } from '../../../protocol/errors.js';

/** A logger at debug level whose records are parsed back into objects. */
function capture() {
  const records: Record<string, unknown>[] = [];
  const log = createLogger({ level: 'debug', write: (line) => records.push(JSON.parse(line)) });
  return { log, records };
}

type ErrorRecord = { name: string; message: string; code?: string; stack?: string; cause?: unknown };

describe('logger error fields', () => {
  it('keeps the stack and the cause chain of an internal error', () => {
    const { log, records } = capture();
    const root = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const wrapped = new SightlineError('ERR_INTERNAL', 'could not open the model', { cause: root });
    log.error('load failed', { error: wrapped });
    const e = records[0]?.error as ErrorRecord;
    expect(e).toMatchObject({
      name: 'SightlineError',
      code: 'ERR_INTERNAL',
      message: 'could not open the model',
    });
    expect(e.stack).toContain('could not open the model');
    expect(e.stack).toContain('log.test.ts');
    const cause = e.cause as ErrorRecord;
    expect(cause).toMatchObject({ name: 'Error', code: 'EACCES', message: 'EACCES: permission denied' });
    expect(cause.stack).toContain('log.test.ts');
  });

  it('logs no stack for an expected client error', () => {
    const { log, records } = capture();
    log.debug('request rejected', { error: new SightlineError('ERR_NOT_JOINED') });
    const e = records[0]?.error as ErrorRecord;
    expect(e).toMatchObject({ code: 'ERR_NOT_JOINED', message: 'Join the call before this request.' });
    expect(e).not.toHaveProperty('stack');
  });

  it('follows at most MAX_CAUSE_DEPTH causes, so a cyclic chain ends', () => {
    const { log, records } = capture();
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    a.cause = b;
    log.error('cycle', { error: a });
    let depth = 0;
    let node = records[0]?.error as ErrorRecord | string;
    while (typeof node === 'object' && node.cause !== undefined) {
      node = node.cause as ErrorRecord | string;
      depth++;
    }
    expect(depth).toBe(MAX_CAUSE_DEPTH + 1);
    expect(node).toBe('[cause chain truncated]');
  });

  it('keeps a non-error cause as it is', () => {
    const { log, records } = capture();
    log.error('odd', { error: new Error('x', { cause: 'a string' }) });
    expect(records[0]).toMatchObject({ error: { message: 'x', cause: 'a string' } });
  });

  it('still writes the line when a field cannot be serialised', () => {
    const { log, records } = capture();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => log.warn('odd field', { cyclic, big: 1n })).not.toThrow();
    expect(records[0]).toMatchObject({ level: 'warn', msg: 'odd field' });
    expect(records[0]?.logFieldsError).toEqual(expect.any(String));
  });

  it('redacts content unless asked to keep it', () => {
    const lines: string[] = [];
    createLogger({ write: (l) => lines.push(l) }).info('heard', { content: 'my secret' });
    createLogger({ write: (l) => lines.push(l), logContent: true }).info('heard', { content: 'my secret' });
    expect(JSON.parse(lines[0] ?? '').content).toBe('[redacted]');
    expect(JSON.parse(lines[1] ?? '').content).toBe('my secret');
  });
});
