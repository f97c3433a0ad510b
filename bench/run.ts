// `npm run bench -- <name> [args]`: runs bench/<name>.ts (all of them when no name is given, but the long ones).
const NAMES = [
  'envs',
  'physics',
  'learn',
  'meta',
  'eval',
  'viewer',
  'stalled-client',
  'ppo-threads',
  'ppo-step',
  'queue',
  'time-to-result',
] as const;
/** Minutes to hours: only when named. */
const LONG = ['time-to-result'];

const [name, ...args] = process.argv.slice(2);
const names = name ? [name] : NAMES.filter((n) => !LONG.includes(n));
for (const n of names) {
  if (!(NAMES as readonly string[]).includes(n)) {
    process.stderr.write(`bench: expected one of ${NAMES.join(', ')}, got "${n}"\n`);
    process.exit(2);
  }
  let mod: { run(args: string[]): Promise<void> };
  try {
    mod = await import(`./${n}.ts`);
  } catch (error) {
    process.stderr.write(`bench ${n}: not available (${(error as Error).message})\n`);
    continue;
  }
  // With --json stdout holds the JSON alone.
  if (!args.includes('--json')) process.stdout.write(`\n## bench ${n}\n`);
  await mod.run(args);
}
