/**
 * Writes a plot to disk as SVG (vega's renderer) and PNG (resvg compiled to WebAssembly: no native build, no
 * browser). resvg-wasm cannot see system fonts, so the text is set in DejaVu Sans from the `dejavu-fonts-ttf`
 * package, the same on every machine.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { initWasm, Resvg } from '@resvg/resvg-wasm';
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from './plots.js';

const require = createRequire(import.meta.url);
const FONT_FAMILY = 'DejaVu Sans';
/** PNGs are drawn at twice the SVG's size, sharp enough for slides and READMEs. */
const PNG_ZOOM = 2;

let ready: Promise<Uint8Array> | undefined;

/** Loads resvg's WebAssembly once per process and returns the font buffer. */
function loadRenderer(): Promise<Uint8Array> {
  ready ??= (async () => {
    await initWasm(await readFile(require.resolve('@resvg/resvg-wasm/index_bg.wasm')));
    return new Uint8Array(await readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')));
  })();
  return ready;
}

/** Rasterizes an SVG string to PNG bytes on a white background. */
export async function svgToPng(svg: string): Promise<Uint8Array> {
  const font = await loadRenderer();
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: PNG_ZOOM },
    font: { fontBuffers: [font], defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  try {
    const image = resvg.render();
    try {
      return image.asPng();
    } finally {
      image.free();
    }
  } finally {
    resvg.free();
  }
}

/** Writes `base.svg` and `base.png` for a vega-lite spec; returns both paths. */
export async function writePlot(base: string, spec: TopLevelSpec): Promise<[string, string]> {
  const svg = await renderSvg(spec);
  const files: [string, string] = [`${base}.svg`, `${base}.png`];
  await writeFile(files[0], svg);
  await writeFile(files[1], await svgToPng(svg));
  return files;
}
