import type { ConfigError } from '../errors.ts';
import type { EventEmitter } from '../events.ts';
import type { Tree, TreeObject } from '../reader/tree.ts';
import type { Source } from '../sources/source.ts';
import { closedError } from './closed.ts';
import { createCore } from './core.ts';
import { createPublisher, type LoaderEvents } from './publisher.ts';
import { closeSources, stopFollowing } from './closing.ts';
import type { LayerOptions } from './layers.ts';
import type { Overrides } from './overrides.ts';
import { addSources, retakeSources, syncSources } from './reads.ts';
import type { Layer, SnapshotView } from './snapshot.ts';
import type { Redactor } from '../reader/secrets.ts';
import type { WatcherHandle } from './watcher.ts';

export type { ChangeEvent, LoaderEvents } from './publisher.ts';

/** Options of a loader. */
export interface LoaderOptions extends LayerOptions {
  /** The lowest layer. */
  defaults: Tree;
  /** How long a source's `read()` may take before it fails (ms, default READ_TIMEOUT). */
  readTimeout?: number | undefined;
  /** Follow the sources' watches (default true); false reads them on `add` and `sync` only. */
  follow?: boolean | undefined;
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

/** Keeps each source's last good layer, merges them over the defaults, and publishes versioned snapshots. */
export interface Loader {
  /** The loader's events. */
  readonly events: EventEmitter<LoaderEvents>;
  /** Reads sources and adds them above the others; all or none are added. */
  add(sources: readonly Source[]): Promise<void>;
  /** Re-reads every source; failures keep their last good layer and reject with the first of them. */
  sync(): Promise<void>;
  /**
   * Changes the run-time layer above every source and publishes the result; a candidate the check refuses leaves
   * the layer as it was and throws.
   */
  override(change: (overrides: Overrides) => Overrides): void;
  /** Decodes every source's newest change set again, as the keys that decrypt its values changed. */
  decryptAgain(): Promise<void>;
  /** Registers a watcher. */
  register(handle: WatcherHandle): () => void;
  /** Reports an error on the `error` event, never throwing. */
  report(error: ConfigError): void;
  /**
   * Stops following every source and closes them, pending reads included; resolves, for every caller, once all is
   * closed or given up on (a source's close that hangs is waited for at most CLOSE_TIMEOUT).
   */
  close(): Promise<void>;
}

/** How long a source's `read()` may take by default (ms): well above the stores' own timeouts (5 s). */
export const READ_TIMEOUT = 10_000;

/** Creates a loader with nothing but the defaults; `add` brings sources in. */
export function createLoader(options: LoaderOptions): Loader {
  const publisher = createPublisher(options);
  const core = createCore(publisher, options, { readTimeout: options.readTimeout ?? READ_TIMEOUT, follow: options.follow !== false });
  let closing: Promise<void> | undefined;
  return {
    events: publisher.events,
    report: publisher.report,
    add: (sources) => addSources(core, sources),
    sync: () => syncSources(core),
    decryptAgain: () => retakeSources(core),
    override(change) {
      if (core.closed) throw closedError();
      const previous = core.overrides;
      core.overrides = change(previous);
      const refused = core.commit([]);
      if (refused) {
        core.overrides = previous;
        throw refused;
      }
    },
    register(handle) {
      if (core.closed) {
        handle.end();
        return () => {};
      }
      return publisher.register(handle);
    },
    close() {
      closing ??= (async () => {
        core.close();
        publisher.endWatchers();
        const entries = [...core.entries];
        await closeSources(entries);
        await stopFollowing(entries);
        publisher.events.removeAllListeners();
      })();
      return closing;
    },
  };
}
