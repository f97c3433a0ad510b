/** A box in R^n: Gymnasium's Box space with per-dimension bounds. */
export interface Box {
  readonly shape: readonly number[];
  readonly low: Float32Array;
  readonly high: Float32Array;
}

export function box(size: number, low: number, high: number): Box {
  return { shape: [size], low: new Float32Array(size).fill(low), high: new Float32Array(size).fill(high) };
}

export function boxSize(space: Box): number {
  return space.shape.reduce((a, b) => a * b, 1);
}

export function boxToJSON(space: Box): { shape: number[]; low: number[]; high: number[] } {
  return { shape: [...space.shape], low: Array.from(space.low), high: Array.from(space.high) };
}
