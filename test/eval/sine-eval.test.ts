import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir, tinySine, train } from '../meta/helpers.js';
import { terrarium } from '../run-cli.js';

describe('terrarium eval on the sine toy', () => {
  it('compares the meta-init with random and (after terrarium pretrain) the pretrained init', async () => {
    const run = tempDir();
    await train(tinySine({ iterations: 30 }), run);
    const pretrain = await terrarium(['pretrain', '--run', run]);
    expect(pretrain.code, pretrain.stderr).toBe(0);
    // Its progress lines have no eps: pretraining has no outer step size.
    expect(pretrain.stdout).toMatch(/^iter 30\/30 {2}return before /m);
    expect(pretrain.stdout).not.toContain(' eps ');
    const config = JSON.parse(readFileSync(join(run, 'pretrained', 'config.json'), 'utf8'));
    expect(config).toMatchObject({ algo: 'pretrain', iterations: 30 });
    const { code, stdout, stderr } = await terrarium([
      'eval',
      '--run',
      run,
      '--tasks',
      '5',
      '--k',
      '4',
      '--json',
    ]);
    expect(code, stderr).toBe(0);
    const out = JSON.parse(stdout);
    expect(Object.keys(out.methods)).toEqual(['meta', 'random', 'pretrained']);
    // Joint training on pooled sines learns something (the mean curve is 0) but not to adapt: it differs from both.
    expect(out.methods.pretrained.mean).not.toEqual(out.methods.meta.mean);
    expect(out.methods.pretrained.mean).not.toEqual(out.methods.random.mean);
    const oracle = await terrarium(['pretrain', '--run', run, '--oracle']);
    expect(oracle.code).toBe(2);
    expect(oracle.stderr).toContain('--oracle: expected an RL run (the sine toy has no oracle)');
  });
});
