// Bundles the live viewer page (viewer/src/main.ts + three, uPlot, lil-gui and their CSS) into viewer/dist/, which
// the viewer server serves. No CDN: everything the page loads comes from this bundle.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = `${root}viewer/dist`;

const started = performance.now();
await rm(dist, { recursive: true, force: true });
await mkdir(dist, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: ['viewer/src/main.ts'],
  outfile: 'viewer/dist/main.js',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
});
await copyFile(`${root}viewer/index.html`, `${dist}/index.html`);
console.log(`viewer: built viewer/dist in ${Math.round(performance.now() - started)} ms`);
