/**
 * The linear feature baseline of the MAML RL experiments (Duan et al. 2016, rllab's LinearFeatureBaseline): refit
 * per batch by ridge regression of the returns on features [o, o^2, t/100, (t/100)^2, (t/100)^3, 1], o the
 * (normalized, clipped to [-10, 10]) observation and t the step within its episode.
 */

const REG_START = 1e-5;

export function linearBaselineFeatures(
  obs: Float32Array,
  timesteps: Int32Array,
  obsDim: number,
): Float64Array {
  const n = timesteps.length;
  const width = 2 * obsDim + 4;
  const x = new Float64Array(n * width);
  for (let r = 0; r < n; r++) {
    const row = r * width;
    for (let j = 0; j < obsDim; j++) {
      const o = Math.max(-10, Math.min(10, obs[r * obsDim + j]!));
      x[row + j] = o;
      x[row + obsDim + j] = o * o;
    }
    const al = timesteps[r]! / 100;
    x[row + 2 * obsDim] = al;
    x[row + 2 * obsDim + 1] = al * al;
    x[row + 2 * obsDim + 2] = al * al * al;
    x[row + 2 * obsDim + 3] = 1;
  }
  return x;
}

/** Fits the baseline to `targets` and returns its predictions for the same rows. */
export function fitLinearBaseline(
  obs: Float32Array,
  timesteps: Int32Array,
  obsDim: number,
  targets: Float32Array,
): { predict(obs: Float32Array, timesteps: Int32Array): Float32Array; fitted: Float32Array } {
  const width = 2 * obsDim + 4;
  const x = linearBaselineFeatures(obs, timesteps, obsDim);
  const n = timesteps.length;
  const xtx = new Float64Array(width * width);
  const xty = new Float64Array(width);
  for (let r = 0; r < n; r++) {
    const row = r * width;
    for (let a = 0; a < width; a++) {
      const xa = x[row + a]!;
      xty[a]! += xa * targets[r]!;
      for (let b = a; b < width; b++) xtx[a * width + b]! += xa * x[row + b]!;
    }
  }
  for (let a = 0; a < width; a++) for (let b = 0; b < a; b++) xtx[a * width + b] = xtx[b * width + a]!;
  let weights: Float64Array | null = null;
  for (let reg = REG_START; weights === null && reg < 1e6; reg *= 10)
    weights = solveRidge(xtx, xty, width, reg);
  const w = weights ?? new Float64Array(width);
  const predict = (o: Float32Array, t: Int32Array) => {
    const f = linearBaselineFeatures(o, t, obsDim);
    const out = new Float32Array(t.length);
    for (let r = 0; r < t.length; r++) {
      let s = 0;
      for (let a = 0; a < width; a++) s += f[r * width + a]! * w[a]!;
      out[r] = s;
    }
    return out;
  };
  return { predict, fitted: predict(obs, timesteps) };
}

/** Solves (A + reg I) w = b by Cholesky; null if not positive definite or not finite. */
function solveRidge(a: Float64Array, b: Float64Array, n: number, reg: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]! + (i === j ? reg : 0);
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) return null;
        l[i * n + i] = Math.sqrt(s);
      } else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const w = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * w[k]!;
    w[i] = s / l[i * n + i]!;
  }
  return w.every(Number.isFinite) ? w : null;
}
