import { describe, expect, it } from 'vitest';

// Capture Rapier's WebAssembly memory as the (real) module instantiates, to watch its size.
const memories: WebAssembly.Memory[] = [];
const instantiate = WebAssembly.instantiate;
WebAssembly.instantiate = (async (...args: Parameters<typeof instantiate>) => {
  const result = (await instantiate(...args)) as unknown as
    | WebAssembly.WebAssemblyInstantiatedSource
    | WebAssembly.Instance;
  const instance = 'instance' in result ? result.instance : result;
  for (const value of Object.values(instance.exports))
    if (value instanceof WebAssembly.Memory) memories.push(value);
  return result;
}) as typeof instantiate;

const { envEntry, makeEnv } = await import('../../src/envs/registry.js');
const wasmBytes = () => memories.reduce((sum, m) => sum + m.buffer.byteLength, 0);

async function cycles(id: string, n: number, close: boolean) {
  for (let i = 0; i < n; i++) {
    const task = {
      ...(envEntry(id).defaultTask() as object),
      terrain: { kind: 'rough', amplitude: 0.1, scale: 1, seed: 3 },
    };
    const env = await makeEnv(id, { task });
    env.reset({ seed: i });
    env.step(new Float32Array(env.actionSpace.shape[0]!));
    if (close) env.close();
  }
}

describe('world lifetime', () => {
  it('1 000 reset/close cycles do not grow Rapier memory', async () => {
    await cycles('ant', 50, true);
    expect(memories.length).toBeGreaterThan(0);
    const before = wasmBytes();
    await cycles('ant', 1000, true);
    expect(wasmBytes() - before).toBeLessThanOrEqual(1 << 20);
  }, 60_000);

  it('the check can see a leak: worlds that are never closed grow memory', async () => {
    const before = wasmBytes();
    await cycles('ant', 300, false);
    expect(wasmBytes()).toBeGreaterThan(before);
  }, 60_000);
});
