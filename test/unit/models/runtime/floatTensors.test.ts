import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { floatData, floatTensor } from '../../../../models/runtime/floatTensors.js';

describe('floatData over a range', () => {
  const values = Float32Array.from([0.5, -1.25, 3, 7.5, -0.125]);

  it('converts only [start, end) of a float16 tensor', () => {
    expect(Array.from(floatData(floatTensor('float16', values, [5]), 1, 4))).toEqual([-1.25, 3, 7.5]);
    expect(Array.from(floatData(floatTensor('float16', values, [5]), 3))).toEqual([7.5, -0.125]);
  });

  it('returns a view of a float32 tensor, the same range', () => {
    const tensor = new ort.Tensor('float32', values, [5]);
    const row = floatData(tensor, 1, 4);
    expect(Array.from(row)).toEqual([-1.25, 3, 7.5]);
    expect(row.buffer).toBe(values.buffer);
  });

  it('refuses a tensor that is not float32 or float16 with ERR_MODEL_RUN', () => {
    const ints = new ort.Tensor('int64', BigInt64Array.from([1n]), [1]);
    expect(() => floatData(ints)).toThrow(expect.objectContaining({ code: 'ERR_MODEL_RUN' }));
  });
});
