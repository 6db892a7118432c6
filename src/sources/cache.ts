import { rename, stat, unlink, writeFile } from 'node:fs/promises';
import { DEFAULT_MAX_BYTES } from '../reader/budget.ts';
import type { TreeObject } from '../reader/tree.ts';
import { onFirstUse } from '../on-first-use.ts';
import { readRegularFile } from './read-file.ts';

// Loaded with the first cache written, not when microconf is imported.
const crypto = onFirstUse<typeof import('node:crypto')>('node:crypto');

/** A remote source's last good layer, kept on disk so a service can start while its store is down. */
export interface CachedLayer {
  /** The layer. */
  tree: TreeObject;
  /** When it was cached (ms since the epoch). */
  timestamp: number;
}

/** Writes a cache atomically (a temporary file renamed over it), readable by the owner only. */
async function writeText(path: string, text: string): Promise<void> {
  const temporary = `${path}.${crypto().randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

/** Keeps a cache file up to date without holding up what it caches. */
export interface CacheWriter {
  /** Queues the layer to be written: off the caller's path, skipped when unchanged, only the latest when busy. */
  save(tree: TreeObject): void;
  /** Resolves when what was queued is on disk (or failed to be written). */
  flush(): Promise<void>;
}

/** A writer of one cache file: writes happen one at a time, and a burst of changes costs one write after another. */
export function cacheWriter(path: string): CacheWriter {
  let written: string | undefined;
  let pending: TreeObject | undefined;
  let running: Promise<void> | undefined;

  async function drain(): Promise<void> {
    while (pending) {
      const text = JSON.stringify(pending);
      pending = undefined;
      if (text === written) continue;
      // A cache that cannot be written only matters when the store is down at the next start: not worth an error.
      await writeText(path, text).then(
        () => (written = text),
        () => {},
      );
    }
    running = undefined;
  }

  return {
    save(tree) {
      pending = tree;
      // Started on the next microtask, so that `running` is set before `drain` can clear it.
      running ??= Promise.resolve().then(drain);
    },
    flush: () => running ?? Promise.resolve(),
  };
}

/**
 * Reads a cached layer; undefined when there is none or it is unreadable. Only a regular file is read, and at
 * most twice `maxBytes` (a layer's JSON is larger than its counted size); the loader then counts the layer itself.
 */
export async function readCache(path: string, maxBytes = DEFAULT_MAX_BYTES): Promise<CachedLayer | undefined> {
  try {
    const [text, info] = await Promise.all([readRegularFile(path, 2 * maxBytes), stat(path)]);
    const tree: unknown = JSON.parse(text);
    if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) return undefined;
    return { tree: tree as TreeObject, timestamp: info.mtimeMs };
  } catch {
    return undefined;
  }
}
