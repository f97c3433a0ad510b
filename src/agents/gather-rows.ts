/**
 * Minibatches assembled on the host: rows of a flat row-major array picked by index, copied into a fresh array that
 * becomes a tensor. On wasm that is cheaper than keeping the whole batch as tensors and gathering from them (a
 * kernel call costs more than copying a few thousand floats).
 */

/** Rows `indices` of `source` ([rows, width], row-major), in that order. */
export function gatherRows(source: Float32Array, width: number, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length * width);
  for (let r = 0; r < indices.length; r++) {
    const from = indices[r]! * width;
    out.set(source.subarray(from, from + width), r * width);
  }
  return out;
}
