import { watch as watchEntries } from 'node:fs';
import { lstat, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

/** What a directory watch tells one subscriber. */
export interface DirectoryListener {
  /** An entry of the directory changed (added, changed, removed, renamed). */
  onEntry(name: string): void;
  /**
   * The directory's path now leads to another directory, or to none (a symlink on the way swapped, the directory
   * renamed over, removed, made again): anything in it may have changed.
   */
  onReplaced?(): void;
  /** The watcher failed. */
  onError(error: unknown): void;
}

/** One subscriber's handle on a shared directory watch. */
export interface DirectorySubscription {
  /** Resolves when the watch is established. */
  readonly ready: Promise<void>;
  /** Unsubscribes; the last subscriber of a directory closes its watcher. */
  close(): Promise<void>;
}

interface Shared {
  /** None while the directory is gone (removed, and not yet made again). */
  watcher: { close(): Promise<void> } | undefined;
  listeners: Set<DirectoryListener>;
  /** Resolves when a watcher of the directory first is ready (the first may be replaced before it gets there). */
  ready: Promise<void>;
  markReady: () => void;
  /** Watches of the directory's parent and of the parents of the symlinks on its path, each for its entry's name. */
  pathWatches: Promise<DirectorySubscription[]>;
  /** The identity (device and inode) of the directory the current watcher follows. */
  target: Promise<string | undefined>;
  /** The replacement under way, if any: replacements run one at a time. */
  replacing: Promise<void>;
  closed: boolean;
}

// One watcher per directory (and kind), shared by every file source watching a file there (and by every config in
// the process): each event is handled once rather than once per source, and fewer inotify watches are used.
const shared = new Map<string, Shared>();

type Watch = typeof import('chokidar').watch;

/** Subscribes to changes of a directory's own entries (depth 0). */
export function watchDirectory(directory: string, listener: DirectoryListener): Promise<DirectorySubscription> {
  return subscribe(directory, listener, true);
}

/**
 * Subscribes to the names in a directory (added, removed, renamed over), links not followed, with the system's own
 * watcher.
 */
export function watchNames(directory: string, listener: DirectoryListener): Promise<DirectorySubscription> {
  return subscribe(directory, listener, false);
}

/**
 * `follow`: a chokidar watcher that follows links, so a change to the file a link in the directory points to is
 * seen (what a file source needs), and that is rebuilt when the directory's path leads elsewhere. Otherwise a watch
 * of the directory's names with the system's watcher (what a watch for swaps needs, see `openNames`).
 */
async function subscribe(directory: string, listener: DirectoryListener, follow: boolean): Promise<DirectorySubscription> {
  const { watch } = await import('chokidar');
  const key = `${follow ? 'files' : 'names'}:${directory}`;
  let entry = shared.get(key);
  if (!entry) {
    const listeners = new Set<DirectoryListener>();
    let markReady!: () => void;
    const ready = new Promise<void>((resolve) => (markReady = resolve));
    const first = open(watch, directory, follow, listeners);
    void first.ready.then(markReady);
    const created: Shared = {
      watcher: first.watcher,
      ready,
      markReady,
      listeners,
      pathWatches: Promise.resolve([]),
      target: identity(directory),
      replacing: Promise.resolve(),
      closed: false,
    };
    if (follow) {
      const check = () => swapped(watch, directory, created);
      // Once its watches are in place, the path is looked at again: it may have changed while they were being set.
      created.pathWatches = watchPath(directory, check).then((watches) => (check(), watches));
    }
    entry = created;
    shared.set(key, entry);
  }
  const current = entry;
  current.listeners.add(listener);
  return {
    ready: current.ready,
    async close() {
      if (!current.listeners.delete(listener) || current.listeners.size > 0) return;
      if (shared.get(key) === current) shared.delete(key);
      current.closed = true;
      await Promise.all([current.watcher?.close(), current.pathWatches.then((watches) => Promise.all(watches.map((each) => each.close())))]);
    },
  };
}

function open(watch: Watch, directory: string, follow: boolean, listeners: ReadonlySet<DirectoryListener>): Pick<Shared, 'watcher' | 'ready'> {
  if (!follow) return openNames(directory, listeners);
  // depth 0: the directory's own entries, so a ConfigMap's timestamped directories are not descended into.
  const watcher = watch(directory, { ignoreInitial: true, depth: 0, persistent: true });
  const ready = new Promise<void>((resolve) => watcher.once('ready', resolve));
  watcher.on('all', (_event, changed) => {
    const name = basename(changed);
    for (const each of [...listeners]) each.onEntry(name);
  });
  watcher.on('error', (error) => {
    for (const each of [...listeners]) each.onError(error);
  });
  return { watcher, ready };
}

/**
 * A watch of the names in a directory, links not followed, with the system's own watcher: chokidar reports neither
 * a followed link swapped for another nor a subdirectory renamed over or made again, which is what this is for.
 */
function openNames(directory: string, listeners: ReadonlySet<DirectoryListener>): Pick<Shared, 'watcher' | 'ready'> {
  try {
    const watcher = watchEntries(directory, { persistent: true }, (_event, name) => {
      if (name) for (const each of [...listeners]) each.onEntry(String(name));
    });
    watcher.on('error', (error) => {
      for (const each of [...listeners]) each.onError(error);
    });
    return { watcher: { close: async () => watcher.close() }, ready: Promise.resolve() };
  } catch (error) {
    // The directory went away meanwhile: nothing to watch there.
    for (const each of [...listeners]) each.onError(error);
    return { watcher: undefined, ready: Promise.resolve() };
  }
}

/** The directory's path may lead elsewhere now: its watcher is replaced if so, one replacement at a time. */
function swapped(watch: Watch, directory: string, entry: Shared): void {
  entry.replacing = entry.replacing
    .then(() => replace(watch, directory, entry))
    .catch((error: unknown) => {
      for (const each of [...entry.listeners]) each.onError(error);
    });
}

/**
 * The directory's path leads to another directory now (`current -> release-2` swapped for `current -> release-3`,
 * a directory renamed over it, removed and made again) or to none: the old watch still follows the old directory, so
 * it is replaced by one of the path as it now resolves (none while there is nothing there), and then every
 * subscriber hears that anything may have changed.
 */
async function replace(watch: Watch, directory: string, entry: Shared): Promise<void> {
  const [before, now] = await Promise.all([entry.target, identity(directory)]);
  if (entry.closed || now === before) return;
  entry.target = Promise.resolve(now);
  // Closed first: chokidar shares one system watch per path between its watchers, and a new watcher opened while
  // the old one lives would be handed the old directory's.
  const old = entry.watcher;
  entry.watcher = undefined;
  await old?.close();
  if (entry.closed) return;
  if (now !== undefined) {
    const next = open(watch, directory, true, entry.listeners);
    entry.watcher = next.watcher;
    await next.ready;
    entry.markReady();
  }
  if (!entry.closed) for (const each of [...entry.listeners]) each.onReplaced?.();
}

/** Which directory a path leads to now (device and inode, every link followed); undefined when none. */
function identity(path: string): Promise<string | undefined> {
  return stat(path).then(
    (found) => (found.isDirectory() ? `${found.dev}:${found.ino}` : undefined),
    () => undefined,
  );
}

/**
 * Watches, without following links, the directory's parent for the directory's own name and the parent of each
 * symlink further up for that link's name: a change to one of them calls `onChange`.
 */
async function watchPath(directory: string, onChange: () => void): Promise<DirectorySubscription[]> {
  const watches: DirectorySubscription[] = [];
  for (let path = directory; dirname(path) !== path; path = dirname(path)) {
    const isLink = await lstat(path).then(
      (found) => found.isSymbolicLink(),
      () => false,
    );
    if (path !== directory && !isLink) continue;
    const name = basename(path);
    const onEntry = (changed: string) => void (changed === name && onChange());
    watches.push(await subscribe(dirname(path), { onEntry, onError: () => {} }, false));
  }
  return watches;
}

/**
 * Resolves true once `directory` exists (false when aborted first), watching its nearest existing ancestor for
 * each missing level being created, so `mkdir -p` followed by a write is seen at once, without polling.
 */
export async function untilDirectory(directory: string, signal: AbortSignal): Promise<boolean> {
  const aborted = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  for (;;) {
    if (signal.aborted) return false;
    if (await isDirectory(directory)) return true;
    let ancestor = dirname(directory);
    while (dirname(ancestor) !== ancestor && !(await isDirectory(ancestor))) ancestor = dirname(ancestor);
    let wake!: () => void;
    const changed = new Promise<void>((resolve) => (wake = resolve));
    // Any news of the ancestor ends this round; the next one looks again from wherever the tree now is.
    const subscription = await watchDirectory(ancestor, { onEntry: () => wake(), onError: () => wake() });
    await Promise.race([subscription.ready, aborted]);
    // One more look once ready: a level created while the watch was being set up has sent no event.
    if (!signal.aborted && !(await isDirectory(childOf(ancestor, directory)))) await Promise.race([changed, aborted]);
    await subscription.close();
  }
}

/** The entry of `ancestor` on the way down to `directory`. */
function childOf(ancestor: string, directory: string): string {
  let child = directory;
  while (dirname(child) !== ancestor && dirname(child) !== child) child = dirname(child);
  return child;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await identity(path)) !== undefined;
}
