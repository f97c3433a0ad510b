import { main } from '../src/cli/main.js';

/** `npm run bench -- envs [--seconds S] [--json]`: the same as `terrarium bench envs`. */
export async function run(args: string[]): Promise<void> {
  await main(['node', 'terrarium', 'bench', 'envs', ...args]);
}
