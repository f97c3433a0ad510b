import { Piscina } from 'piscina';

/** Wraps `value` so piscina moves `buffers` (transfers them, no copy) when posting it to the other thread. */
export function movable<T>(value: T, buffers: ArrayBuffer[]): unknown {
  const wrapped = { [Piscina.transferableSymbol]: buffers, [Piscina.valueSymbol]: value };
  return Piscina.move(wrapped as unknown as Parameters<typeof Piscina.move>[0]);
}
