import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/**
 * A module that importing microconf need not pay for (tweetnacl for `enc:` secrets, node:crypto, the decoding
 * thread's worker_threads, eventemitter3 until the first config), loaded synchronously the first time the returned
 * function is called, so its callers stay synchronous. `T` is `typeof import(specifier)`.
 */
export function onFirstUse<T>(specifier: string): () => T {
  let module: T | undefined;
  return () => (module ??= load(specifier) as T);
}
