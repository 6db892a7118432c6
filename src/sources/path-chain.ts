import { posix } from 'node:path';

/** What one entry of a path is, as `lstat` sees it (links not followed). */
export interface EntryKind {
  kind: 'file' | 'directory' | 'link' | 'other';
  /** Device and inode: tells a directory made again (or renamed over) at the same path from the one watched. */
  identity: string;
}

/** The file system as the chain sees it: synchronous, so an event is handled within the turn it arrives in. */
export interface PathSystem {
  /** The entry at a path, links not followed; undefined when there is none. */
  lstat(path: string): EntryKind | undefined;
  /** A link's target as written in it; undefined when it cannot be read (it went away meanwhile). */
  readlink(path: string): string | undefined;
}

/** The names to watch in one directory, and the directory's identity when they were resolved. */
export interface WatchedDirectory {
  identity: string;
  names: Set<string>;
}

/** Every entry whose change can change what a path reads, grouped by the (real) directory holding it. */
export interface PathChain {
  /** By real directory path: the names to watch there. */
  directories: Map<string, WatchedDirectory>;
  /** The real path the file is at now; undefined when the path leads nowhere (yet). */
  target: string | undefined;
}

// As the kernel: more links than this on one path is a loop (ELOOP).
const MAX_LINKS = 40;

/**
 * Resolves a path as `open()` would, link by link, and lists what must be watched for the file it reads to change:
 * every link on the way (in its parent, by name: a link swapped for another), the file itself, the directory
 * holding it (renamed over, removed, made again), and, where the path stops existing, the first missing entry (a
 * `conf.d` made later). Pure over `system`, so each case is a table test.
 */
export function resolveChain(path: string, system: PathSystem): PathChain {
  const directories = new Map<string, WatchedDirectory>();
  const identities = new Map<string, string>();
  const root = system.lstat('/');
  if (root === undefined) return { directories, target: undefined };
  identities.set('/', root.identity);
  const watch = (directory: string, name: string) => {
    const identity = identities.get(directory);
    if (identity === undefined) return;
    let entry = directories.get(directory);
    if (!entry) directories.set(directory, (entry = { identity, names: new Set() }));
    entry.names.add(name);
  };
  // The segments still to walk, the next one last.
  const pending = segments(posix.resolve(path)).reverse();
  let current = '/';
  let links = 0;
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (name === '..') {
      // Only in a link's target (the path itself comes resolved): `current` is a real directory, links already
      // followed, so its parent is the physical one, as the kernel takes it.
      current = posix.dirname(current);
      continue;
    }
    const next = posix.join(current, name);
    const found = system.lstat(next);
    if (found?.kind === 'link') {
      watch(current, name);
      const target = system.readlink(next);
      if (target === undefined || ++links > MAX_LINKS) return { directories, target: undefined };
      if (target.startsWith('/')) current = '/';
      pending.push(...segments(target).reverse());
      continue;
    }
    // The first missing entry (or one that is not a directory where the path goes on) is watched for in its parent,
    // as is the file itself and the directory holding it; the directories passed through on the way are not.
    if (found === undefined || pending.length === 0 || found.kind !== 'directory') {
      watch(current, name);
      if (pending.length === 0 && current !== '/') watch(posix.dirname(current), posix.basename(current));
      return { directories, target: found === undefined || pending.length > 0 ? undefined : next };
    }
    identities.set(next, found.identity);
    current = next;
  }
  return { directories, target: current };
}

function segments(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '' && segment !== '.');
}
