import { afterEach, describe, expect, it, vi } from 'vitest';
import { TypedEmitter } from '../../../core/events.js';
import { createLogger } from '../../../core/log.js';

type Events = { ping: [n: number] };

describe('TypedEmitter listener errors', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('logs a throwing listener to stderr by default and still calls the others', () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const ee = new TypedEmitter<Events>();
    const seen: number[] = [];
    ee.on('ping', () => {
      throw new Error('listener bug');
    });
    ee.on('ping', (n) => seen.push(n));
    expect(ee.emit('ping', 7)).toBe(true);
    expect(seen).toEqual([7]);
    const records = lines.map((l) => JSON.parse(l));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      level: 'error',
      msg: 'event listener failed',
      event: 'ping',
      error: { name: 'Error', message: 'listener bug', stack: expect.stringContaining('events.test.ts') },
    });
  });

  it('reports through the handler it was given', () => {
    const lines: string[] = [];
    const log = createLogger({ write: (l) => lines.push(l) }).child({ component: 'call' });
    const ee = new TypedEmitter<Events>((event, error) =>
      log.error('call listener failed', { event, error }),
    );
    ee.on('ping', () => {
      throw new TypeError('bad');
    });
    ee.emit('ping', 1);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      component: 'call',
      event: 'ping',
      error: { name: 'TypeError', message: 'bad' },
    });
  });
});
