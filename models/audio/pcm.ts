/** Float samples in [-1, 1] to 16-bit PCM (clipped). */
export function floatToInt16(f: ArrayLike<number>): Int16Array {
  return Int16Array.from(f as ArrayLike<number>, (v) => Math.round(Math.max(-1, Math.min(1, v)) * 32767));
}

/** 16-bit PCM to floats in [-1, 1). */
export function int16ToFloat32(samples: Int16Array): Float32Array {
  return Float32Array.from(samples, (v) => v / 32768);
}
