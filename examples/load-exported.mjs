// An exported Terrarium policy in plain Node with plain TensorFlow.js (no tfjs-node, no Terrarium):
//   terrarium export --run RUN --out model
//   node examples/load-exported.mjs model [observations.json]
// prints { backend, actions, logStd }: the mean action for each observation row (default: one row of zeros).
import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';

// Plain @tensorflow/tfjs has no file:// handler in Node (tfjs-node adds one); this router reads model.json and the
// weight files it names, so tf.loadLayersModel('file://...') works as it does with tfjs-node.
tf.io.registerLoadRouter((url) => {
  if (typeof url !== 'string' || !url.startsWith('file://')) return null;
  return {
    async load() {
      const json = JSON.parse(await readFile(new URL(url), 'utf8'));
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const files = manifest.flatMap((group) => group.paths).map((path) => readFile(new URL(path, url)));
        const bytes = Buffer.concat(await Promise.all(files));
        const weights = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        return [manifest.flatMap((group) => group.weights), weights];
      });
    },
  };
});

const [dir = 'model', obsFile] = process.argv.slice(2);
const model = await tf.loadLayersModel(pathToFileURL(`${dir}/model.json`).href);
const { obsDim, logStd } = model.getUserDefinedMetadata().terrarium;
const rows = obsFile ? JSON.parse(await readFile(obsFile, 'utf8')) : [new Array(obsDim).fill(0)];
const actions = tf.tidy(() => model.predict(tf.tensor2d(rows, [rows.length, obsDim])).arraySync());
console.log(JSON.stringify({ backend: tf.getBackend(), actions, logStd }));
