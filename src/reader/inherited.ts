// Another library of the process may have been polluted (`Object.prototype.isAdmin = true`, an object put there, an
// index on Array.prototype). A for-in loop then lists the polluted name as a key of every object, and a read of a
// key an object lacks finds the polluted value. The walks of a tree use for-in because it allocates no key array;
// each asks `inheritsKeys()` once, where it starts, and only when it answers true skips the keys an object does not
// own. Reads of one key go through `Object.hasOwn` always: they cost one lookup either way. (A tree decoded on
// another thread is walked there in that thread's own realm, which nothing of ours pollutes; it is rebuilt here by
// assignment alone.)

/**
 * True when a for-in loop over a plain object or an array would list a key it does not own: an enumerable property
 * on Object.prototype or Array.prototype (which inherits from it). A few nanoseconds when they are clean.
 */
export function inheritsKeys(): boolean {
  for (const _ in Array.prototype) return true;
  return false;
}

/** A copy of an array whose holes are undefined: a spread reads a hole as what Array.prototype holds at its index. */
export function copyItems(items: readonly unknown[]): unknown[] {
  return inheritsKeys() ? Array.from(items, (_, i) => (Object.hasOwn(items, i) ? items[i] : undefined)) : [...items];
}
