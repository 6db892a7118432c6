import { isHostileKey, type Tree } from '../reader/tree.ts';

// A tree decoded off the event loop comes back in chunks, each of a bounded size, so that taking one in (the
// structured clone's copy, then the assignments) costs the event loop a bounded time, however large the tree.
// A subtree that fits in a chunk travels whole; a larger object or array is created empty and filled by fragments
// of its children, in order, so keys keep their order and no node is copied more than once on either side.
// A fragment of an object's children travels as a list of its keys and values, one after the other, not as an
// object: the structured clone rebuilds an object of thousands of keys one hidden class at a time, about ten times
// the cost of the list (16 fragments of 7,000 keys: 97–120 ms against 6–18 ms to take in).

/**
 * One step of rebuilding a tree: `[value]` is the whole tree; `[parent, fragment]` adds a fragment's items to the
 * container numbered `parent` (to an object, its keys and values, one after the other); `[parent, key, id, isArray]` puts a new empty container numbered
 * `id` under `parent` at `key` (appended, when `parent` is an array; the root, when `parent` is -1);
 * `[parent, key, 'apart']` holds the place there of a long string sent apart (see `APART_FROM`).
 */
export type ChunkOp =
  | readonly [Tree]
  | readonly [number, readonly Tree[]]
  | readonly [number, string | number, 'apart']
  | readonly [number, string | number, number, boolean];

/**
 * A string this long or longer (characters) is sent apart from the chunks, on a port of its own that the event loop
 * reads only once the whole tree is there (`TreeBuilder.fill`): by then the thread that decoded it may be gone, and
 * its memory with it. Taken in with its chunk, a 16 MiB YAML scalar was cloned on the event loop's side while the
 * thread still held its own three copies of the text (the bytes, the text, the parser's).
 */
export const APART_FROM = 1024 * 1024;

type Container = Record<string, Tree> | Tree[];

// Set by `sizeWithin` when it meets a number that JSON would not give back as it is (-0, NaN, ±Infinity). Every node
// of a chunk is measured whole while the chunk is made (in one step of its generator), so a chunk made while it
// stayed false holds none.
let inexact = false;

/** About the size of a node's JSON text, counted only up to `limit` (beyond it, some number above `limit`). */
function sizeWithin(node: Tree, limit: number): number {
  if (typeof node === 'string') return node.length + 2;
  if (typeof node === 'number') {
    if (node === 0 ? 1 / node < 0 : !Number.isFinite(node)) inexact = true;
    return 8;
  }
  if (typeof node !== 'object' || node === null) return 8;
  let size = 2;
  if (Array.isArray(node)) {
    for (const item of node as readonly Tree[]) {
      size += sizeWithin(item, limit - size) + 1;
      if (size > limit) return size;
    }
  } else {
    for (const key in node) {
      size += key.length + 4 + sizeWithin((node as Record<string, Tree>)[key]!, limit - size);
      if (size > limit) return size;
    }
  }
  return size;
}

/** Whether the chunk last made comes back from its JSON text as it is (see `treeChunks`). */
export interface ChunkText {
  exact: boolean;
}

/**
 * Cuts a tree into chunks of ops of about `chunkSize` characters of JSON each (a single leaf larger than that is a
 * chunk of its own). With `sendApart`, each string of `APART_FROM` characters or more is handed to it instead, in
 * order, its place held in the chunks. Lazy: a chunk is made when the next one is asked for. `text`, when given, is
 * told of each chunk as it is made whether `JSON.parse` of its `JSON.stringify` gives its ops back as they are.
 */
export function* treeChunks(tree: Tree, chunkSize: number, sendApart?: (text: string) => void, text?: ChunkText): Generator<ChunkOp[], void, undefined> {
  inexact = false;
  if (typeof tree !== 'object' || tree === null || sizeWithin(tree, chunkSize) <= chunkSize) {
    if (text) text.exact = !inexact;
    yield [[tree]];
    return;
  }
  // What measuring the whole tree met belongs to the chunks that hold it, each measured again as it is made.
  inexact = false;
  let ops: ChunkOp[] = [];
  let used = 0;
  let ids = 0;
  let fragmentOf = -1;
  let fragment: Tree[] | undefined;
  const close = () => {
    if (fragment !== undefined) ops.push([fragmentOf, fragment]);
    fragment = undefined;
  };
  function* place(parent: number, inArray: boolean, key: string | number, node: Tree): Generator<ChunkOp[], void, undefined> {
    const size = sizeWithin(node, chunkSize);
    // A key travels with its value, in a fragment or an op: a long one counts as a long value does.
    const keySize = inArray ? 0 : String(key).length;
    if (sendApart && typeof node === 'string' && node.length >= APART_FROM) {
      close();
      ops.push([parent, key, 'apart']);
      sendApart(node);
      used += 16 + keySize;
    } else if (size <= chunkSize || typeof node !== 'object' || node === null) {
      if (fragment === undefined || fragmentOf !== parent) {
        close();
        fragmentOf = parent;
        fragment = [];
      }
      if (inArray) fragment.push(node);
      else fragment.push(key, node);
      used += size + keySize;
    } else {
      close();
      const id = ++ids;
      ops.push([parent, key, id, Array.isArray(node)]);
      used += 16 + keySize;
      yield* children(id, node as Container);
    }
    if (used >= chunkSize) {
      close();
      if (text) text.exact = !inexact;
      yield ops;
      inexact = false;
      ops = [];
      used = 0;
    }
  }
  function* children(id: number, node: Container): Generator<ChunkOp[], void, undefined> {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) yield* place(id, true, i, node[i]!);
    } else {
      for (const key in node) yield* place(id, false, key, node[key]!);
    }
  }
  ops.push([-1, '', 0, Array.isArray(tree)]);
  yield* children(0, tree as Container);
  close();
  if (text) text.exact = !inexact;
  if (ops.length > 0) yield ops;
}

/** Rebuilds a tree from its chunks, taken in the order they were made. */
export interface TreeBuilder {
  /** Applies one chunk's ops. */
  apply(ops: readonly ChunkOp[]): void;
  /** How many strings sent apart the tree waits for. */
  readonly apart: number;
  /** Puts the strings sent apart in their places, taking each in order from `next`. */
  fill(next: () => string): void;
  /** The tree built so far (complete once the last chunk is applied and the strings sent apart are filled in). */
  readonly tree: Tree;
}

/** A builder of a tree from chunks (`treeChunks` on the other side). */
export function createTreeBuilder(): TreeBuilder {
  const containers: Container[] = [];
  let root: Tree = null;
  // Where each string sent apart goes: its container and key (or index).
  const places: [Container, string | number][] = [];
  const attach = (parent: number, key: string | number, node: Tree) => {
    if (parent === -1) {
      root = node;
      return;
    }
    const target = containers[parent]!;
    if (Array.isArray(target)) target.push(node);
    else if (!isHostileKey(String(key))) target[key] = node;
  };
  return {
    apply(ops) {
      for (const op of ops) {
        if (op.length === 1) {
          root = op[0];
        } else if (op.length === 2) {
          const [parent, fragment] = op;
          const target = containers[parent]!;
          if (Array.isArray(target)) {
            for (const item of fragment) target.push(item);
          } else {
            for (let i = 0; i + 1 < fragment.length; i += 2) {
              const key = String(fragment[i]);
              if (!isHostileKey(key)) target[key] = fragment[i + 1]!;
            }
          }
        } else if (op.length === 3) {
          const [parent, key] = op;
          const target = containers[parent]!;
          // The place is taken now, so that keys and items keep their order; a hostile key's string is taken and dropped.
          if (Array.isArray(target)) places.push([target, target.push(null) - 1]);
          else if (isHostileKey(String(key))) places.push([{}, key]);
          else {
            target[key] = null;
            places.push([target, key]);
          }
        } else {
          const [parent, key, id, isArray] = op;
          const node: Container = isArray ? [] : {};
          containers[id] = node;
          attach(parent, key, node);
        }
      }
    },
    get apart() {
      return places.length;
    },
    fill(next) {
      for (const [target, key] of places.splice(0)) (target as Record<string | number, Tree>)[key] = next();
    },
    get tree() {
      return root;
    },
  };
}
