import { describe, expect, it } from 'vitest';
import { MemoryMetrics } from '../../../../pipelines/core/metrics.js';

describe('MemoryMetrics', () => {
  it('keeps reports in order and filters them by type', () => {
    const m = new MemoryMetrics();
    m.emit({ type: 'stt', atMs: 1, label: 'a', requestId: 'r1', durationMs: 5, audioDurationMs: 900 });
    m.emit({ type: 'ocr', atMs: 2, label: 'b', durationMs: 7, lines: 2 });
    m.emit({ type: 'stt', atMs: 3, label: 'a', requestId: 'r2', durationMs: 6, audioDurationMs: 100 });
    expect(m.all.map((x) => x.atMs)).toEqual([1, 2, 3]);
    expect(m.ofType('stt').map((x) => x.requestId)).toEqual(['r1', 'r2']);
    expect(m.ofType('ocr').map((x) => x.lines)).toEqual([2]);
    expect(m.ofType('tts')).toEqual([]);
  });
});
