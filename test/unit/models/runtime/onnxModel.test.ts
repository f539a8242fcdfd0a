import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { ModelError } from '../../../../models/runtime/errors.js';
import { loadSessions, OnnxModel } from '../../../../models/runtime/onnxModel.js';
import { Graph } from '../../../../models/tiny/onnxGraph.js';

const dir = mkdtempSync(join(tmpdir(), 'sightline-sessions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeIdentity(file: string): void {
  const g = new Graph('identity');
  g.output('y', 'float32', [1], g.input('x', 'float32', [1]));
  writeFileSync(join(dir, file), g.toBytes());
}
writeIdentity('a.onnx');
writeIdentity('b.onnx');

const feed = () => ({ x: new ort.Tensor('float32', Float32Array.from([1]), [1]) });

describe('loadSessions', () => {
  it('loads each file of the table as family-name and hands them to the check', async () => {
    const { sessions, checked } = await loadSessions(
      'tiny',
      dir,
      { first: 'a.onnx', second: 'b.onnx' },
      {},
      (s) => [s.first.name, s.second.name],
    );
    expect(checked).toEqual(['tiny-first', 'tiny-second']);
    expect(Object.keys(sessions)).toEqual(['first', 'second']);
    expect(Array.from((await sessions.second.run(feed())).y?.data as Float32Array)).toEqual([1]);
    await Promise.all([sessions.first.dispose(), sessions.second.dispose()]);
  });

  it('disposes every loaded session when the load-time check throws', async () => {
    let seen: OnnxModel[] = [];
    await expect(
      loadSessions('tiny', dir, { first: 'a.onnx', second: 'b.onnx' }, {}, (s) => {
        seen = [s.first, s.second];
        throw new ModelError('ERR_MODEL_LOAD', 'bad type');
      }),
    ).rejects.toMatchObject({ code: 'ERR_MODEL_LOAD', message: 'bad type' });
    expect(seen).toHaveLength(2);
    for (const m of seen) await expect(m.run(feed())).rejects.toMatchObject({ code: 'ERR_MODEL_DISPOSED' });
  });

  it('disposes the sessions already loaded when a later file is missing', async () => {
    const dispose = vi.spyOn(OnnxModel.prototype, 'dispose');
    try {
      await expect(
        loadSessions('tiny', dir, { first: 'a.onnx', second: 'missing.onnx' }, {}, () => null),
      ).rejects.toMatchObject({ code: 'ERR_MODEL_MISSING', message: expect.stringContaining('tiny-second') });
      expect(dispose).toHaveBeenCalledTimes(1);
      expect((dispose.mock.contexts[0] as OnnxModel).name).toBe('tiny-first');
    } finally {
      dispose.mockRestore();
    }
  });
});
