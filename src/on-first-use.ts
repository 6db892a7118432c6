import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

/**
 * A module that only some programs need (tweetnacl for `enc:` secrets, node:crypto, the decoding thread's
 * worker_threads), loaded synchronously the first time the returned function is called, so importing microconf
 * does not pay for it and the callers stay synchronous. `T` is `typeof import(specifier)`.
 */
export function onFirstUse<T>(specifier: string): () => T {
  let module: T | undefined;
  return () => (module ??= load(specifier) as T);
}
