import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import type { TreeObject } from '../reader/tree.ts';

/** A remote source's last good layer, kept on disk so a service can start while its store is down. */
export interface CachedLayer {
  /** The layer. */
  tree: TreeObject;
  /** When it was cached (ms since the epoch). */
  timestamp: number;
}

/** Writes a layer atomically (a temporary file renamed over the cache), readable by the owner only. */
export async function writeCache(path: string, tree: TreeObject): Promise<void> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, JSON.stringify(tree), { mode: 0o600 });
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => {});
    throw error;
  }
}

/** Reads a cached layer; undefined when there is none or it is unreadable. */
export async function readCache(path: string): Promise<CachedLayer | undefined> {
  try {
    const [text, info] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    const tree: unknown = JSON.parse(text);
    if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) return undefined;
    return { tree: tree as TreeObject, timestamp: info.mtimeMs };
  } catch {
    return undefined;
  }
}
