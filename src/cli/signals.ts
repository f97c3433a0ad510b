/** Exit codes after a stop signal: 128 + the signal's number, as shells report a process the signal ended. */
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof EXIT_CODES;

export interface StopSignals {
  /** Aborted at the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** 130 after Ctrl-C (SIGINT), 143 after SIGTERM (docker stop, job schedulers), null if neither came. */
  exitCode(): number | null;
  dispose(): void;
}

/**
 * Until `dispose()`, the first Ctrl-C or SIGTERM asks the run to end at its next safe point, saving what it has
 * (`saving` says what, e.g. "a checkpoint"); a second one exits at once with the signal's code.
 */
export function stopOnSignals(saving: string, stop: () => void = () => {}): StopSignals {
  const controller = new AbortController();
  let received: StopSignal | null = null;
  const handlers = Object.fromEntries(
    (Object.keys(EXIT_CODES) as StopSignal[]).map((name) => [
      name,
      () => {
        if (received) process.exit(EXIT_CODES[received]);
        received = name;
        const how = name === 'SIGINT' ? 'interrupted (Ctrl-C)' : 'terminated (SIGTERM)';
        const again = name === 'SIGINT' ? 'Ctrl-C again' : 'send SIGTERM again';
        process.stderr.write(`\nterrarium: ${how}; saving ${saving} (${again} to quit at once)\n`);
        controller.abort();
        stop();
      },
    ]),
  ) as Record<StopSignal, () => void>;
  for (const [name, handler] of Object.entries(handlers)) process.on(name, handler);
  return {
    signal: controller.signal,
    exitCode: () => (received ? EXIT_CODES[received] : null),
    dispose: () => {
      for (const [name, handler] of Object.entries(handlers)) process.off(name, handler);
    },
  };
}
