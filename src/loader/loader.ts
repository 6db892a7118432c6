import { EventEmitter } from '../events.ts';
import { ConfigError, toConfigError } from '../errors.ts';
import { formatPath } from '../reader/path.ts';
import { intern } from '../reader/intern.ts';
import { mergeLayers } from '../reader/merge.ts';
import type { Tree, TreeObject } from '../reader/tree.ts';
import { sameData, type ChangeSet, type Source } from '../sources/source.ts';
import { decodeChangeSet, type DecodeOptions } from './decode.ts';
import { diffTrees } from './diff.ts';
import { createSnapshot, createView, type Layer, type SnapshotView, type SourceState } from './snapshot.ts';
import { createWatchIndex } from './watch-index.ts';
import type { Change, WatcherHandle } from './watcher.ts';
import { sleep } from '../sleep.ts';

/** One published change of the whole configuration. */
export interface ChangeEvent {
  /** The new snapshot's version. */
  readonly version: number;
  /** Every path that changed, at the deepest point where it changed. */
  readonly changes: readonly Change[];
}

/** The loader's events. */
export interface LoaderEvents {
  /** A new snapshot was published. */
  change: (event: ChangeEvent) => void;
  /** A source failed to read, decode or watch, or a listener threw; nothing was published for it. */
  error: (error: ConfigError) => void;
}

interface Entry {
  readonly source: Source;
  state: SourceState | undefined;
  /** The last change set committed, to skip one that holds the same data. */
  last: ChangeSet | undefined;
  origins: ReadonlyMap<string, string> | undefined;
  tree: Tree;
  /** Order of the change sets obtained from this source; an older one never overwrites a newer one. */
  obtained: number;
  committed: number;
  following: Promise<void> | undefined;
}

/** Options of a loader. */
export interface LoaderOptions extends DecodeOptions {
  /** The lowest layer. */
  defaults: Tree;
  /** How long a failed watch waits before it is retried, at most (ms). */
  maxRetryDelay?: number | undefined;
  /** Called with each new view (the first during the first `add`): readers hold the current view themselves. */
  onView: (view: SnapshotView) => void;
  /** Checks a candidate snapshot before it is published: its validated output, or the error that refuses it. */
  check?: ((values: TreeObject, layers: readonly Layer[]) => { output: unknown } | ConfigError) | undefined;
  /** Dresses a change before listeners see it (secrets hidden from its printed forms). */
  present?: ((change: Change) => Change) | undefined;
}

/** Keeps each source's last good layer, merges them over the defaults, and publishes versioned snapshots. */
export interface Loader {
  /** The loader's events. */
  readonly events: EventEmitter<LoaderEvents>;
  /** Reads sources and adds them above the others; all or none are added. */
  add(sources: readonly Source[]): Promise<void>;
  /** Re-reads every source; failures keep their last good layer and reject with the first of them. */
  sync(): Promise<void>;
  /** Registers a watcher. */
  register(handle: WatcherHandle): () => void;
  /** Reports an error on the `error` event, never throwing. */
  report(error: ConfigError): void;
  /** Stops following every source and closes them. */
  close(): Promise<void>;
}

/** Creates a loader with nothing but the defaults; `add` brings sources in. */
export function createLoader(options: LoaderOptions): Loader {
  const events = new EventEmitter<LoaderEvents>();
  const watchers = createWatchIndex();
  const handles = new Set<WatcherHandle>();
  const entries: Entry[] = [];
  const abort = new AbortController();
  const defaults: Layer = {
    state: Object.freeze({ name: 'defaults', format: 'object', checksum: '', timestamp: Date.now() }),
    tree: options.defaults,
  };
  // Version 0 is the defaults alone, before the first `add`; the first snapshot anyone reads is version 1.
  let version = 0;
  let view = createView(createSnapshot(version, mergeLayers([defaults.tree]), [defaults]), [defaults]);
  let closed = false;
  const show = (next: SnapshotView) => {
    view = next;
    options.onView(next);
  };

  // Errors are delivered on the next turn of the event loop: a source that fails while `createConfig` is still
  // resolving (a store down, a cache served instead) is then heard by a listener attached right after the await.
  function report(error: ConfigError): void {
    setImmediate(() => {
      for (const listener of events.listeners('error')) {
        try {
          listener(error);
        } catch {
          // An error listener that throws has nowhere left to report to.
        }
      }
    });
  }

  function layers(): Layer[] {
    const out = [defaults];
    for (const entry of entries) if (entry.state) out.push({ state: entry.state, tree: entry.tree, origins: entry.origins });
    return out;
  }

  /** Merges the layers and publishes the result if it changed; a candidate the check refuses is not published. */
  function publish(): ConfigError | undefined {
    const next = layers();
    const values = mergeLayers(next.map((layer) => layer.tree));
    const previous = view.snapshot.values;
    const changes = version === 0 ? [] : diffTrees(previous, values);
    let validated = view.validated;
    if (options.check && (version === 0 || changes.length > 0)) {
      const verdict = options.check(values, next);
      if (verdict instanceof ConfigError) return verdict;
      validated = verdict.output;
    }
    if (version === 0) {
      version = 1;
      show(createView(createSnapshot(version, values, next), next, validated));
      return undefined;
    }
    if (changes.length === 0) {
      // Same values, possibly from other sources now: keep the snapshot, refresh what explain reads.
      show(createView(view.snapshot, next, validated));
      return undefined;
    }
    version += 1;
    const snapshot = createSnapshot(version, values, next);
    show(createView(snapshot, next, validated));
    const present = options.present ?? ((change: Change) => change);
    const published = changes.map((change) =>
      present({
        path: formatPath(change.segments),
        segments: change.segments,
        previous: change.previous,
        current: change.current,
        version,
      }),
    );
    for (const listener of events.listeners('change')) {
      try {
        listener({ version, changes: published });
      } catch (error) {
        report(toConfigError(error, 'LISTENER'));
      }
    }
    for (const [entry, change] of watchers.affected(changes, previous, values)) {
      (entry as WatcherHandle).deliver(change, version);
    }
    return undefined;
  }

  /** Tells each entry's source that its last change set is now part of the published configuration. */
  function acknowledge(accepted: readonly Entry[]): void {
    for (const entry of accepted) {
      if (!entry.last || !entry.source.accepted) continue;
      try {
        entry.source.accepted(entry.last);
      } catch (error) {
        report(toConfigError(error, 'LISTENER', entry.source.name));
      }
    }
  }

  /** What to restore if a candidate built on an entry's new layer is refused. */
  const saved = (entry: Entry) => ({ tree: entry.tree, state: entry.state, last: entry.last, origins: entry.origins });
  const restore = (entry: Entry, old: ReturnType<typeof saved>) => Object.assign(entry, old);

  /** Decodes a change set and commits it as the entry's layer unless a newer one was committed meanwhile. */
  async function apply(entry: Entry, changeSet: ChangeSet): Promise<boolean> {
    const order = ++entry.obtained;
    if (entry.last && sameData(entry.last, changeSet)) return false;
    const tree = await decodeChangeSet(changeSet, options);
    if (closed || order < entry.committed) return false;
    entry.committed = order;
    entry.tree = intern(entry.tree, tree);
    entry.last = changeSet;
    entry.origins = changeSet.origins ? new Map(changeSet.origins.map((o) => [o.path.join('\u0000'), o.origin])) : undefined;
    entry.state = Object.freeze({
      name: entry.source.name,
      format: changeSet.format,
      get checksum() {
        return changeSet.checksum;
      },
      timestamp: changeSet.timestamp,
    });
    return true;
  }

  /**
   * Follows a source's watch. A watch may reject a read to report a failure (a deleted file, a lost connection)
   * and go on; one that ends after a failure is created again after a backoff. One that ends cleanly has nothing
   * more to say.
   */
  async function follow(entry: Entry): Promise<void> {
    const watch = entry.source.watch;
    if (!watch) return;
    let failures = 0;
    while (!closed) {
      try {
        const iterator = watch.call(entry.source, abort.signal)[Symbol.asyncIterator]();
        for (;;) {
          let result: IteratorResult<ChangeSet>;
          try {
            result = await iterator.next();
          } catch (error) {
            if (closed) return;
            report(toConfigError(error, 'WATCH', entry.source.name));
            failures += 1;
            // A watch that keeps failing without news in between is given room to recover.
            if (failures > 3) await sleep(backoff(failures - 3), abort.signal);
            continue;
          }
          if (closed || (result.done && failures === 0)) return;
          if (result.done) break;
          failures = 0;
          try {
            const before = saved(entry);
            if (await apply(entry, result.value)) {
              const refused = publish();
              if (refused) {
                // The last good layer stays: the refused one never reaches a reader.
                restore(entry, before);
                report(refused.withSource(entry.source.name));
              } else {
                acknowledge([entry]);
              }
            }
          } catch (error) {
            report(toConfigError(error, 'DECODE', entry.source.name));
          }
        }
      } catch (error) {
        if (closed) return;
        report(toConfigError(error, 'WATCH', entry.source.name));
        failures += 1;
      }
      await sleep(backoff(failures), abort.signal);
    }
  }

  function backoff(attempt: number): number {
    return Math.min(50 * 2 ** attempt, options.maxRetryDelay ?? 10_000);
  }

  return {
    events,
    report,
    async add(sources) {
      if (closed) throw new ConfigError('the config is closed', { code: 'CLOSED' });
      const added = sources.map(
        (source): Entry => ({ source, state: undefined, last: undefined, origins: undefined, tree: null, obtained: 0, committed: 0, following: undefined }),
      );
      const outcomes = await Promise.allSettled(added.map(async (entry) => apply(entry, await entry.source.read())));
      const failures: ConfigError[] = [];
      outcomes.forEach((outcome, index) => {
        if (outcome.status === 'fulfilled') return;
        const entry = added[index]!;
        const error = toConfigError(outcome.reason, 'READ', entry.source.name);
        if (entry.source.optional) report(error);
        else failures.push(error);
      });
      if (failures.length > 0 || closed) {
        await Promise.allSettled(added.map(async (entry) => entry.source.close?.()));
        throw failures[0] ?? new ConfigError('the config is closed', { code: 'CLOSED' });
      }
      for (const entry of added) {
        // An optional source that failed still takes its place, as an empty layer, and is followed.
        entry.state ??= Object.freeze({ name: entry.source.name, format: 'object', checksum: '', timestamp: Date.now() });
        entries.push(entry);
      }
      const refused = publish();
      if (refused) {
        entries.splice(entries.length - added.length, added.length);
        await Promise.allSettled(added.map(async (entry) => entry.source.close?.()));
        throw refused;
      }
      acknowledge(added);
      for (const entry of added) entry.following = follow(entry);
    },
    async sync() {
      if (closed) throw new ConfigError('the config is closed', { code: 'CLOSED' });
      const before = entries.map(saved);
      const outcomes = await Promise.allSettled(entries.map(async (entry) => apply(entry, await entry.source.read())));
      if (closed) return;
      const refused = publish();
      if (refused) {
        entries.forEach((entry, index) => restore(entry, before[index]!));
        report(refused);
        throw refused;
      }
      // Only the entries that took a new layer: an unchanged one was acknowledged when it took its layer.
      acknowledge(entries.filter((_, index) => outcomes[index]!.status === 'fulfilled' && (outcomes[index] as PromiseFulfilledResult<boolean>).value));
      const failures = outcomes.flatMap((outcome, index) =>
        outcome.status === 'rejected' ? [toConfigError(outcome.reason, 'READ', entries[index]!.source.name)] : [],
      );
      for (const failure of failures) report(failure);
      if (failures.length > 0) throw failures[0];
    },
    register(handle) {
      if (closed) {
        handle.end();
        return () => {};
      }
      handles.add(handle);
      const remove = watchers.add(handle);
      return () => {
        handles.delete(handle);
        remove();
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      abort.abort();
      for (const handle of [...handles]) handle.end();
      await Promise.allSettled(entries.map(async (entry) => entry.source.close?.()));
      await Promise.allSettled(entries.map((entry) => entry.following));
      events.removeAllListeners();
    },
  };
}

