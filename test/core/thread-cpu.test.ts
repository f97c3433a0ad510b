import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { threadCpuSeconds } from '../../src/core/thread-cpu.js';

describe.runIf(process.platform === 'linux')('threadCpuSeconds', () => {
  it('advances with work done in this thread and stays put while it waits', async () => {
    const start = threadCpuSeconds();
    expect(Number.isFinite(start)).toBe(true);
    let x = 0;
    while (threadCpuSeconds() - start < 0.2) for (let i = 0; i < 1e5; i++) x += Math.sqrt(i);
    expect(x).toBeGreaterThan(0);
    const beforeWait = threadCpuSeconds();
    await sleep(300);
    expect(threadCpuSeconds() - beforeWait).toBeLessThan(0.1);
  }, 60_000);
});
