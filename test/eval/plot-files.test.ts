import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { svgToPng, writePlot } from '../../src/meta/eval/plot-files.js';
import { sinePlot } from '../../src/meta/eval/plots.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from a PNG's IHDR chunk (the first chunk, right after the signature). */
function pngSize(png: Uint8Array): { width: number; height: number } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect(new TextDecoder().decode(png.subarray(12, 16))).toBe('IHDR');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

const svgSize = (svg: string) => ({
  width: Number(/<svg[^>]* width="([\d.]+)"/.exec(svg)?.[1]),
  height: Number(/<svg[^>]* height="([\d.]+)"/.exec(svg)?.[1]),
});

describe('plot files (SVG + PNG)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'terrarium-plot-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an SVG and a PNG of twice its size', async () => {
    const x = [-1, 0, 1];
    const spec = sinePlot(
      [
        { task: 0, series: 'target', x, y: [0, 1, 0] },
        { task: 0, series: 'meta, k = 1', x, y: [0, 0.8, 0.2] },
      ],
      'sine',
    );
    const [svgFile, pngFile] = await writePlot(join(dir, 'fits'), spec);
    expect(svgFile.endsWith('fits.svg') && pngFile.endsWith('fits.png')).toBe(true);
    const svg = readFileSync(svgFile, 'utf8');
    const png = new Uint8Array(readFileSync(pngFile));
    expect([...png.subarray(0, 8)]).toEqual(PNG_SIGNATURE);
    const { width, height } = svgSize(svg);
    expect(width).toBeGreaterThan(100);
    expect(pngSize(png)).toEqual({ width: Math.ceil(width * 2), height: Math.ceil(height * 2) });
  });

  it('draws text with the bundled font (text changes the image)', async () => {
    const frame = (body: string) =>
      `<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40">${body}</svg>`;
    const blank = await svgToPng(frame(''));
    const text = await svgToPng(
      frame('<text x="5" y="25" font-family="sans-serif" font-size="14">k = 1</text>'),
    );
    expect(pngSize(text)).toEqual(pngSize(blank));
    expect(Buffer.from(text).equals(Buffer.from(blank))).toBe(false);
  });
});
