// Which handler method a request path names: `/Popular.Ping` exactly, nothing more.

/** The `Service.Method` a path names, or why it names none. */
export type Route =
  | { readonly kind: 'endpoint'; readonly endpoint: string; readonly handler: string; readonly method: string }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'unknown' };

const MAX_PATH = 1024;
const builtIn = new Set<object>([Object.prototype, Function.prototype]);
const NAME = /^[A-Za-z_$][\w$]*$/;

/**
 * Reads a request target: `/Handler.Method`, percent-encoded or not, with any query ignored. A malformed
 * `%`-escape is `malformed` (a 400); anything but exactly two names joined by one dot is `unknown` (a 404).
 */
export function route(target: string): Route {
  const path = target.split('?', 1)[0]!;
  if (path.length > MAX_PATH || !path.startsWith('/')) return { kind: 'unknown' };
  let endpoint: string;
  try {
    endpoint = decodeURIComponent(path.slice(1));
  } catch {
    return { kind: 'malformed' };
  }
  const dot = endpoint.indexOf('.');
  const handler = endpoint.slice(0, dot);
  const method = endpoint.slice(dot + 1);
  if (dot < 0 || !NAME.test(handler) || !NAME.test(method)) return { kind: 'unknown' };
  return { kind: 'endpoint', endpoint, handler, method };
}

/** A handler's endpoints: method key → the method bound to its object. */
export type MethodTable = ReadonlyMap<string, (request: unknown, context: never) => unknown>;

/**
 * The methods of a handler object or class instance, found once: its own and inherited function-valued properties,
 * up to and excluding `Object.prototype` and `Function.prototype` (never `toString`, `call`, `constructor`, nor an
 * accessor, which could run code). Each is bound to the object, so a class's methods keep `this`.
 */
export function methodTable(handler: object): MethodTable {
  const table = new Map<string, (request: unknown, context: never) => unknown>();
  // A name seen on a nearer layer hides the same name further up, as property lookup does, function or not.
  const seen = new Set<string>();
  for (let layer: object | null = handler; layer !== null && !builtIn.has(layer); layer = Object.getPrototypeOf(layer)) {
    for (const key of Object.getOwnPropertyNames(layer)) {
      if (seen.has(key)) continue;
      seen.add(key);
      if (key === 'constructor' || !NAME.test(key)) continue;
      const descriptor = Object.getOwnPropertyDescriptor(layer, key);
      if (typeof descriptor?.value === 'function') table.set(key, (descriptor.value as (...args: unknown[]) => unknown).bind(handler));
    }
  }
  return table;
}

/** The method key an endpoint's method name calls: `Ping` → `ping` (the first letter lower-cased). */
export function methodKey(method: string): string {
  return method.charAt(0).toLowerCase() + method.slice(1);
}
