/**
 * Bilinear resize of planar float images, `half_pixel` coordinates, no
 * antialiasing: what ONNX Resize(mode=linear) and torch's
 * interpolate(bilinear, align_corners=False) compute.
 */
export function resizeBilinearChw(
  src: Float32Array,
  channels: number,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
): Float32Array {
  if (outHeight === height && outWidth === width) return src.slice();
  const out = new Float32Array(channels * outHeight * outWidth);
  const sy = height / outHeight;
  const sx = width / outWidth;
  const x0s = new Int32Array(outWidth);
  const x1s = new Int32Array(outWidth);
  const fxs = new Float32Array(outWidth);
  for (let x = 0; x < outWidth; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min((x0s[x] as number) + 1, width - 1);
    fxs[x] = fx - (x0s[x] as number);
  }
  for (let y = 0; y < outHeight; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    const wy = fy - y0;
    for (let c = 0; c < channels; c++) {
      const plane = c * height * width;
      const row0 = plane + y0 * width;
      const row1 = plane + y1 * width;
      const o = c * outHeight * outWidth + y * outWidth;
      for (let x = 0; x < outWidth; x++) {
        const x0 = x0s[x] as number;
        const x1 = x1s[x] as number;
        const wx = fxs[x] as number;
        const top = (src[row0 + x0] as number) * (1 - wx) + (src[row0 + x1] as number) * wx;
        const bottom = (src[row1 + x0] as number) * (1 - wx) + (src[row1 + x1] as number) * wx;
        out[o + x] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}

/** Copies the window [y0, y1) × [x0, x1) out of a planar image. */
export function cropChw(
  src: Float32Array,
  channels: number,
  height: number,
  width: number,
  y0: number,
  y1: number,
  x0: number,
  x1: number,
): Float32Array {
  const h = y1 - y0;
  const w = x1 - x0;
  const out = new Float32Array(channels * h * w);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < h; y++) {
      const from = c * height * width + (y0 + y) * width + x0;
      out.set(src.subarray(from, from + w), c * h * w + y * w);
    }
  }
  return out;
}
