/**
 * The TensorFlow.js backend. `wasm` (@tensorflow/tfjs-backend-wasm) is the default, `cpu` the pure-JS fallback;
 * `node` / `node-gpu` use @tensorflow/tfjs-node(-gpu) where the user installed them (optional, never a dependency:
 * their install downloads libtensorflow). `auto` picks node-gpu > node > wasm > cpu.
 *
 * In Node, the wasm backend's node build finds its .wasm files next to itself (its dist directory), so no
 * `setWasmPaths` is needed.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { TerrariumError } from '../core/errors.js';

export const BACKEND_NAMES = ['auto', 'wasm', 'cpu', 'node', 'node-gpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

const NODE_PACKAGES = { node: '@tensorflow/tfjs-node', 'node-gpu': '@tensorflow/tfjs-node-gpu' } as const;
/** tfjs registers these names for the node packages. */
const TF_NAMES = { wasm: 'wasm', cpu: 'cpu', node: 'tensorflow', 'node-gpu': 'tensorflow' } as const;

let inUse: string | null = null;
let pending: Promise<string> | null = null;

/**
 * Selects the backend and waits until it is ready; returns the name actually in use ('wasm', 'cpu', 'node',
 * 'node-gpu'). Idempotent: asking again for the backend in use (or for 'auto' once one is chosen) returns at once.
 */
export async function initBackend(name: BackendName = 'auto'): Promise<string> {
  if (!(BACKEND_NAMES as readonly string[]).includes(name)) {
    throw new TerrariumError('backend', name, `one of ${BACKEND_NAMES.join(', ')}`);
  }
  while (pending) await pending.catch(() => undefined);
  if (inUse !== null && (name === 'auto' || name === inUse)) return inUse;
  pending = select(name);
  try {
    inUse = await pending;
    return inUse;
  } finally {
    pending = null;
  }
}

/** The backend chosen by `initBackend`, or null before the first call. */
export function backendInUse(): string | null {
  return inUse;
}

async function select(name: BackendName): Promise<string> {
  if (name === 'auto') {
    for (const candidate of ['node-gpu', 'node'] as const) {
      if (await tryNodePackage(candidate)) return activate(candidate);
    }
    try {
      return await activate('wasm');
    } catch {
      return activate('cpu');
    }
  }
  if (name === 'node' || name === 'node-gpu') {
    if (!(await tryNodePackage(name))) {
      throw new TerrariumError(
        'backend',
        name,
        'an installed backend',
        `${NODE_PACKAGES[name]} is not installed; install it with \`npm install ${NODE_PACKAGES[name]}\` ` +
          '(it downloads libtensorflow), or use --backend wasm',
      );
    }
  }
  return activate(name);
}

async function activate(name: Exclude<BackendName, 'auto'>): Promise<string> {
  const ok = await tf.setBackend(TF_NAMES[name]);
  if (!ok) throw new TerrariumError('backend', name, 'a backend that initializes on this machine');
  await tf.ready();
  return name;
}

async function tryNodePackage(name: 'node' | 'node-gpu'): Promise<boolean> {
  // A variable specifier keeps TypeScript and bundlers from requiring the optional package.
  const specifier: string = NODE_PACKAGES[name];
  try {
    await import(specifier);
    return (
      tf.findBackend(TF_NAMES[name]) !== null || tf.engine().registryFactory[TF_NAMES[name]] !== undefined
    );
  } catch {
    return false;
  }
}
