import { createEmitter, type EventEmitter } from '../events.ts';
import { ConfigError, toConfigError } from '../errors.ts';
import { formatPath } from '../reader/path.ts';
import { mergeLayers, mergeLayersInSlices } from '../reader/merge.ts';
import type { Meter, Walk } from '../reader/slices.ts';
import { createRedactor, type Redactor } from '../reader/secrets.ts';
import type { Tree, TreeObject } from '../reader/tree.ts';
import { diffInSlices, differInSlices, diffTrees, treesDiffer, type TreeChange } from './diff.ts';
import { hideSecrets, secretsFor } from './present.ts';
import { createSnapshot, createView, type Layer, type SnapshotView } from './snapshot.ts';
import { callListener } from './listeners.ts';
import { createWatchIndex } from './watch-index.ts';
import type { Change, WatcherHandle } from './watcher.ts';

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

/** How a publisher checks, dresses and hands over what it publishes. */
export interface PublisherOptions {
  /** The lowest layer. */
  defaults: Tree;
  /** Called with each new view (the first during the first `add`): readers hold the current view themselves. */
  onView: (view: SnapshotView) => void;
  /**
   * Checks a candidate snapshot before it is published: its validated output, or the error that refuses it (which
   * must not print what the redactor hides).
   */
  check?: ((values: TreeObject, layers: readonly Layer[], secrets: Redactor) => { output: unknown } | ConfigError) | undefined;
  /** Paths whose values are never printed (`database.password`, `**.token`), beside decrypted and secret values. */
  secret?: readonly string[] | undefined;
}

/**
 * What a publish of a set of layers walks (their merge, and its comparison with the published snapshot), worked out
 * ahead of it in slices (`Publisher.stage`). The publish takes the merge when it publishes the same trees, and the
 * comparison when the snapshot it was made against is still the published one; what it cannot take it redoes.
 */
export interface Staged {
  /** The trees merged, lowest first. */
  readonly trees: readonly Tree[];
  /** Their merge, frozen. */
  readonly values: TreeObject;
  /** The view the merge was compared with. */
  readonly against: SnapshotView;
  /** The changes from its snapshot, when there was someone to tell them to; undefined otherwise. */
  readonly changes: readonly TreeChange[] | undefined;
  /** Whether anything changed from its snapshot. */
  readonly changed: boolean;
}

/** Turns sets of layers into versioned snapshots and tells listeners and watchers what changed. */
export interface Publisher {
  /** `change` and `error`. */
  readonly events: EventEmitter<LoaderEvents>;
  /** The defaults, the lowest of every set of layers. */
  readonly defaults: Layer;
  /** Merges the layers and publishes the result if it changed; returns the error of a candidate the check refused. */
  publish(layers: readonly Layer[], staged?: Staged): ConfigError | undefined;
  /** Merges the layers and compares the result with the published snapshot, in slices, for a publish of them. */
  stage(layers: readonly Layer[], meter: Meter): Walk<Staged>;
  /** Whether a publish of these layers would take all that was staged: the same trees, the same snapshot. */
  isCurrent(staged: Staged, layers: readonly Layer[]): boolean;
  /** Registers a watcher; returns how to unregister it. */
  register(handle: WatcherHandle): () => void;
  /** Reports an error on the `error` event, on the next turn of the event loop, never throwing. */
  report(error: ConfigError): void;
  /** Ends every watcher (the loader is closing). */
  endWatchers(): void;
}

/** Creates a publisher holding version 0: the defaults alone. */
export function createPublisher(options: PublisherOptions): Publisher {
  const events = createEmitter<LoaderEvents>();
  const watchers = createWatchIndex();
  const handles = new Set<WatcherHandle>();
  const defaults: Layer = {
    state: Object.freeze({ name: 'defaults', format: 'object', checksum: '', timestamp: Date.now() }),
    tree: options.defaults,
  };
  const secret = options.secret ?? [];
  const patterns = createRedactor(secret);
  // Version 0 is the defaults alone, before the first `add`; the first snapshot anyone reads is version 1.
  let version = 0;
  let view = createView(createSnapshot(version, mergeLayers([defaults.tree]), [defaults]), [defaults], undefined, { redactor: patterns, changeRedactor: patterns });
  const show = (next: SnapshotView) => {
    view = next;
    options.onView(next);
  };

  // Errors are delivered on the next turn of the event loop: a source that fails while `createConfig` is still
  // resolving (a store down, a cache served instead) is then heard by a listener attached right after the await.
  function report(error: ConfigError): void {
    setImmediate(() => {
      // An error listener that fails has nowhere left to report to.
      for (const listener of events.listeners('error')) callListener(() => listener(error), () => {});
    });
  }

  function* stage(next: readonly Layer[], meter: Meter): Walk<Staged> {
    const trees = next.map((layer) => layer.tree);
    const values = yield* mergeLayersInSlices(trees, meter);
    // Compared with the snapshot published when the merge is done; one published during the comparison makes it stale.
    const against = view;
    if (version === 0) return { trees, values, against, changes: undefined, changed: false };
    const previous = against.snapshot.values;
    if (events.listeners('change').length > 0 || watchers.size > 0) {
      const changes = yield* diffInSlices(previous, values, meter);
      return { trees, values, against, changes, changed: changes.length > 0 };
    }
    return { trees, values, against, changes: undefined, changed: yield* differInSlices(previous, values, meter) };
  }

  const sameTrees = (staged: Staged, next: readonly Layer[]) =>
    staged.trees.length === next.length && next.every((layer, i) => layer.tree === staged.trees[i]);

  function publish(next: readonly Layer[], staged?: Staged): ConfigError | undefined {
    const merged = staged !== undefined && sameTrees(staged, next) ? staged : undefined;
    const values = merged?.values ?? mergeLayers(next.map((layer) => layer.tree));
    const previous = view.snapshot.values;
    const compared = merged?.against === view ? merged : undefined;
    // The changes are listed only for someone to tell: without a listener or a watcher, whether anything changed is
    // enough, and a reload that changes every value of a large layer makes no record of each.
    const listeners = events.listeners('change');
    const told = listeners.length > 0 || watchers.size > 0;
    const changes = version === 0 || !told ? [] : (compared?.changes ?? diffTrees(previous, values));
    const changed = told ? changes.length > 0 : version !== 0 && (compared ? compared.changed : treesDiffer(previous, values));
    const secrets = secretsFor(secret, patterns, next, view.layers);
    let validated = view.validated;
    if (options.check && (version === 0 || changed)) {
      const verdict = options.check(values, next, secrets.redactor);
      if (verdict instanceof ConfigError) return verdict;
      validated = verdict.output;
    }
    if (version === 0) {
      version = 1;
      show(createView(createSnapshot(version, values, next), next, validated, secrets));
      return undefined;
    }
    if (!changed) {
      // Same values, possibly from other sources now: keep the snapshot, refresh what explain reads.
      show(createView(view.snapshot, next, validated, secrets));
      return undefined;
    }
    version += 1;
    show(createView(createSnapshot(version, values, next), next, validated, secrets));
    // Built only for listeners: a reload that changes every value of a large layer is as many changes.
    const published =
      listeners.length === 0
        ? []
        : changes.map((change) =>
            hideSecrets(
              {
                path: formatPath(change.segments),
                segments: change.segments,
                previous: change.previous,
                current: change.current,
                version,
              },
              secrets.changeRedactor,
            ),
          );
    const event = { version, changes: published };
    for (const listener of listeners) {
      callListener(
        () => listener(event),
        (error) => report(toConfigError(error, 'LISTENER')),
      );
    }
    for (const [entry, change] of watchers.affected(changes, previous, values)) {
      (entry as WatcherHandle).deliver(change, version);
    }
    return undefined;
  }

  return {
    events,
    defaults,
    publish,
    stage,
    isCurrent: (staged, next) => staged.against === view && sameTrees(staged, next),
    report,
    register(handle) {
      handles.add(handle);
      const remove = watchers.add(handle);
      return () => {
        handles.delete(handle);
        remove();
      };
    },
    endWatchers() {
      for (const handle of [...handles]) handle.end();
    },
  };
}
