/**
 * Runs `tick` `everyMs` after the previous run ended (so never two at once) until `stop()`: a run under way when
 * stopped finishes but schedules no other. The first run is the caller's (it usually awaits one before starting).
 */
export function repeatAfter(everyMs: number, tick: () => Promise<void>): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const schedule = () => {
    timer = setTimeout(async () => {
      await tick();
      if (!stopped) schedule();
    }, everyMs);
  };
  schedule();
  return {
    stop: () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
