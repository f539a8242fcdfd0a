import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  floatData,
  floatTensor,
  floatToHalf,
  halfToFloat,
  lastPositionLogits,
} from '../../../../models/runtime/floatTensors.js';

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

describe('float16 conversion', () => {
  it('round-trips exactly representable values and rounds to nearest even', () => {
    for (const x of [0, -0, 1, -2.5, 65504, 2 ** -24, 0.0999755859375])
      expect(halfToFloat(floatToHalf(x))).toBe(x);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and the next half: to even (1)
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway, odd below: up
    expect(floatToHalf(70000)).toBe(0x7c00);
    expect(halfToFloat(0x7c00)).toBe(Number.POSITIVE_INFINITY);
    expect(Number.isNaN(halfToFloat(floatToHalf(Number.NaN)))).toBe(true);
    expect(halfToFloat(floatToHalf(3 * 2 ** -25))).toBe(2 ** -23); // subnormal halfway, odd below: up
    expect(floatToHalf(2 ** -25)).toBe(0); // subnormal halfway, even below: down
  });

  it('builds float16 tensors onnxruntime accepts and reads them back as float32', () => {
    const values = Float32Array.from([0.5, -1.25, 3]);
    const tensor = floatTensor('float16', values, [3]);
    expect(tensor.type).toBe('float16');
    expect(Array.from(floatData(tensor))).toEqual([0.5, -1.25, 3]);
  });
});

describe('lastPositionLogits', () => {
  // [B=2, T=3, V=2]: value = 10·b + t + v/10, so each row says where it came from.
  const dims = [2, 3, 2];
  const values = Float32Array.from({ length: 12 }, (_, i) => {
    const b = Math.floor(i / 6);
    const t = Math.floor(i / 2) % 3;
    return 10 * b + t + (i % 2) / 8;
  });

  it.each(['float32', 'float16'] as const)(
    'returns the last position of each batch item of %s logits, as copies',
    (type) => {
      const tensor = floatTensor(type, values.slice(), dims);
      const rows = lastPositionLogits(tensor);
      expect(rows.map((r) => Array.from(r))).toEqual([
        [2, 2.125],
        [12, 12.125],
      ]);
      (rows[0] as Float32Array).fill(-1);
      expect(Array.from(floatData(tensor, 4, 6))).toEqual([2, 2.125]);
    },
  );
});
