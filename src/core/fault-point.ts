/**
 * A test hook for crash atomicity: with `TERRARIUM_FAULT=<point>@<n>` in the environment, the process kills itself
 * with SIGKILL (as `kill -9` would) the n-th time it reaches the named point (n defaults to 1). A test can so crash a
 * writer inside each window of a write on every run, where a kill at a timed moment mostly lands between writes.
 * With `TERRARIUM_FAULT_MODE=throw` the point throws an `InjectedFault` instead, so an in-process test can check
 * what was on disk at that point. Without the variable a point does nothing. Points: see saveCheckpoint
 * (checkpoint.ts) and writeDurable.
 */
const reached = new Map<string, number>();

export class InjectedFault extends Error {
  constructor(readonly point: string) {
    super(`fault injected at ${point} (TERRARIUM_FAULT)`);
    this.name = 'InjectedFault';
  }
}

export function faultPoint(name: string): void {
  const spec = process.env.TERRARIUM_FAULT;
  if (!spec) return;
  const [point, nth = '1'] = spec.split('@');
  if (point !== name) return;
  const count = (reached.get(name) ?? 0) + 1;
  reached.set(name, count);
  if (count !== Number(nth)) return;
  if (process.env.TERRARIUM_FAULT_MODE === 'throw') throw new InjectedFault(name);
  process.kill(process.pid, 'SIGKILL');
}
