import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve('.');

/** A project of a user who ran `npm install /path/to/terrarium` (offline: the folder is linked, not downloaded). */
describe('terrarium installed as a dependency', () => {
  let project: string;
  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), 'terrarium-user-'));
    await writeFile(
      join(project, 'package.json'),
      '{ "name": "user-project", "private": true, "type": "module" }\n',
    );
    await run('npm', ['install', repo, '--offline', '--no-audit', '--no-fund', '--ignore-scripts'], {
      cwd: project,
      timeout: 110_000,
    });
  }, 120_000);
  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("import('terrarium') gives the library through package.json exports", async () => {
    const { stdout } = await run(
      process.execPath,
      ['-e', "import('terrarium').then(m => console.log(typeof m.makeEnv))"],
      { cwd: project },
    );
    expect(stdout.trim()).toBe('function');
    const names = await run(
      process.execPath,
      ['-e', "import('terrarium').then(m => console.log(JSON.stringify(Object.keys(m).sort())))"],
      { cwd: project },
    );
    expect(JSON.parse(names.stdout)).toEqual(
      expect.arrayContaining([
        'makeEnv',
        'makeVectorEnv',
        'GaussianPolicy',
        'train',
        'evaluate',
        'loadPolicy',
      ]),
    );
  });

  it('deep imports stay private, and the package declares its types', async () => {
    const deep = run(process.execPath, ['-e', "import('terrarium/dist/cli/main.js')"], { cwd: project });
    await expect(deep).rejects.toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
    const manifest = JSON.parse(await readFile(join(project, 'node_modules/terrarium/package.json'), 'utf8'));
    const types = join(project, 'node_modules/terrarium', manifest.exports['.'].types);
    expect(await readFile(types, 'utf8')).toMatch(/export \{[^}]*loadPolicy/);
  });

  it("docs/api.md's quickstart runs: env, train, evaluate, adapt and export", async () => {
    const doc = await readFile('docs/api.md', 'utf8');
    const example = await readFile('examples/quickstart.mjs', 'utf8');
    expect(doc).toContain(`\`\`\`js\n${example}\`\`\``);
    await copyFile('examples/quickstart.mjs', join(project, 'quickstart.mjs'));
    const runDir = join(project, 'run');
    const { stdout } = await run(process.execPath, ['quickstart.mjs', runDir], {
      cwd: project,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^fresh policy: return -?\d/m);
    expect(stdout).toMatch(/^iteration 0: return -?\d+\.\d+ -> -?\d+\.\d+\niteration 1: /m);
    expect(stdout).toMatch(/^trained 2 iterations/m);
    expect(stdout).toMatch(/^random: -?\d+\.\d+ -> -?\d+\.\d+$/m);
    expect(stdout).toMatch(/^meta: -?\d+\.\d+ -> -?\d+\.\d+$/m);
    const model = JSON.parse(await readFile(join(runDir, 'model', 'model.json'), 'utf8'));
    expect(model.format).toBe('layers-model');
    expect(model.userDefinedMetadata.terrarium).toMatchObject({ obsDim: 4, actDim: 2 });
  });
});
