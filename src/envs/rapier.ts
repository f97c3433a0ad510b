// The one import of the physics engine: swap the package here (e.g. '@dimforge/rapier3d-compat') and nothing else.
import RAPIER from '@dimforge/rapier3d-simd-compat';

let ready: Promise<void> | null = null;

/** Loads Rapier's WebAssembly once; every env factory awaits this before building a world. */
export function initRapier(): Promise<void> {
  if (!ready) {
    // Rapier's init logs a deprecation notice about its init signature; it is not ours to fix.
    const warn = console.warn;
    console.warn = () => {};
    ready = RAPIER.init().finally(() => {
      console.warn = warn;
    });
  }
  return ready;
}

export { RAPIER };
export type Rapier = typeof RAPIER;
