import { deepEqual, getIn, type Tree, type TreeObject } from '../reader/tree.ts';
import type { TreeChange } from './diff.ts';

/** What a watcher on one path is told. */
export interface PathChange {
  /** The value at the watched path before. */
  previous: Tree | undefined;
  /** The value at the watched path now. */
  current: Tree | undefined;
}

/** A registered interest in one path. */
export interface WatchEntry {
  /** The watched path. */
  readonly segments: readonly string[];
}

interface TrieNode {
  readonly children: Map<string, TrieNode>;
  readonly entries: Set<WatchEntry>;
  readonly parent: TrieNode | undefined;
  readonly key: string;
}

/** Watchers indexed by path, so a change costs its own length plus the watchers on it, not all watchers. */
export interface WatchIndex {
  /** Registers an entry; the returned function unregisters it. */
  add(entry: WatchEntry): () => void;
  /** The entries whose watched value differs between two trees, given the changed paths between them. */
  affected(changes: readonly TreeChange[], previous: TreeObject, current: TreeObject): Map<WatchEntry, PathChange>;
  /** How many entries are registered. */
  readonly size: number;
}

/** A path trie of watchers. */
export function createWatchIndex(): WatchIndex {
  const root = node(undefined, '');
  let size = 0;

  return {
    get size() {
      return size;
    },
    add(entry) {
      let at = root;
      for (const key of entry.segments) {
        let child = at.children.get(key);
        if (!child) {
          child = node(at, key);
          at.children.set(key, child);
        }
        at = child;
      }
      at.entries.add(entry);
      size++;
      return () => {
        if (!at.entries.delete(entry)) return;
        size--;
        prune(at);
      };
    },
    affected(changes, previous, current) {
      const out = new Map<WatchEntry, PathChange>();
      const fire = (entry: WatchEntry) => {
        if (!out.has(entry)) {
          out.set(entry, { previous: getIn(previous, entry.segments), current: getIn(current, entry.segments) });
        }
      };
      for (const change of changes) {
        // Watchers on the changed path and on every path above it see a different value.
        let at: TrieNode | undefined = root;
        for (const entry of at.entries) fire(entry);
        for (const key of change.segments) {
          at = at.children.get(key);
          if (!at) break;
          for (const entry of at.entries) fire(entry);
        }
        // Watchers below a replaced subtree see a difference only if their own value changed.
        if (at) {
          for (const child of at.children.values()) {
            visit(child, (entry) => {
              if (out.has(entry)) return;
              const before = getIn(previous, entry.segments);
              const after = getIn(current, entry.segments);
              if (!deepEqual(before, after)) out.set(entry, { previous: before, current: after });
            });
          }
        }
      }
      return out;
    },
  };
}

function node(parent: TrieNode | undefined, key: string): TrieNode {
  return { children: new Map(), entries: new Set(), parent, key };
}

function visit(at: TrieNode, each: (entry: WatchEntry) => void): void {
  for (const entry of at.entries) each(entry);
  for (const child of at.children.values()) visit(child, each);
}

function prune(at: TrieNode): void {
  let current: TrieNode | undefined = at;
  while (current?.parent && current.entries.size === 0 && current.children.size === 0) {
    current.parent.children.delete(current.key);
    current = current.parent;
  }
}
