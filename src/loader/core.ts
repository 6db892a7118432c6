import type { ConfigError } from '../errors.ts';
import type { ChangeSet, ReadOptions } from '../sources/source.ts';
import { acknowledge, isFresh, prepareCandidate, type Candidate, type LayerOptions, type SourceEntry } from './layers.ts';
import { applyOverrides, NO_OVERRIDES, OVERRIDES_NAME, type Overrides } from './overrides.ts';
import type { Publisher } from './publisher.ts';
import type { Layer } from './snapshot.ts';

/** What reading, following and closing share: the entries, the publisher, and whether the loader is closed. */
export interface LoaderCore {
  /** Publishing and reporting. */
  readonly publisher: Publisher;
  /** The sources in order, lowest first; those of a pending `load()` hold their place, not yet admitted. */
  readonly entries: SourceEntry[];
  /** True once the loader closes. */
  readonly closed: boolean;
  /** The run-time layer (`config.set`, `config.delete`), applied above every source on each publish. */
  overrides: Overrides;
  /** How long a source's `read()` may take (ms). */
  readonly readTimeout: number;
  /** The limits a source is read within, and the config's encoders (handed to its `read`). */
  readonly limits: ReadOptions;
  /** Whether sources' watches are followed (false: they are read on `add` and `sync` only). */
  readonly follow: boolean;
  /**
   * Decodes a change set into a candidate layer of the entry, unless it is stale or holds the same data; `again`
   * decodes it even then (the keys that open its values changed).
   */
  prepare(entry: SourceEntry, ticket: number, changeSet: ChangeSet, again?: boolean): Promise<Candidate | undefined>;
  /**
   * Publishes the admitted entries' layers with the fresh candidates in place (and `admit`'s entries admitted),
   * the run-time layer on top; returns the error of a refused candidate snapshot, in which case nothing changes.
   */
  commit(candidates: readonly Candidate[], admit?: readonly SourceEntry[]): ConfigError | undefined;
  /** Reports an error on the `error` event. */
  report(error: ConfigError): void;
}

/** How the core reads and follows sources. */
export interface CoreSettings {
  /** How long a source's `read()` may take (ms). */
  readTimeout: number;
  /** Whether sources' watches are followed. */
  follow: boolean;
}

/** Builds the shared core; `close` marks it closed and stops every entry (reads, watches, waits). */
export function createCore(publisher: Publisher, decode: LayerOptions, settings: CoreSettings): LoaderCore & { close(): void } {
  const entries: SourceEntry[] = [];
  const overridesState = Object.freeze({ name: OVERRIDES_NAME, format: 'object', checksum: '', timestamp: Date.now() });
  const core = {
    publisher,
    entries,
    closed: false,
    overrides: NO_OVERRIDES,
    readTimeout: settings.readTimeout,
    limits: decode.encoders ? { ...decode.limits, encoders: decode.encoders } : decode.limits,
    follow: settings.follow,
    prepare: (entry: SourceEntry, ticket: number, changeSet: ChangeSet, again?: boolean) => prepareCandidate(entry, ticket, changeSet, decode, again),
    commit(candidates: readonly Candidate[], admit: readonly SourceEntry[] = []): ConfigError | undefined {
      if (core.closed) return undefined;
      // A candidate overtaken by a newer decision of its source (a watch's change set that came while a read
      // was under way) is dropped, never published over the newer one.
      const fresh = candidates.filter(isFresh);
      const replacing = new Map(fresh.map((candidate) => [candidate.entry, candidate.layer]));
      const layers: Layer[] = [publisher.defaults];
      for (const entry of entries) {
        if (!entry.admitted && !admit.includes(entry)) continue;
        const layer = replacing.get(entry) ?? entry.layer;
        if (layer) layers.push(layer);
      }
      const refused = publisher.publish(applyOverrides(layers, core.overrides, overridesState));
      for (const candidate of fresh) candidate.entry.decided = candidate.ticket;
      if (refused) return refused;
      for (const candidate of fresh) {
        candidate.entry.layer = candidate.layer;
        candidate.entry.changeSet = candidate.kept;
      }
      for (const entry of admit) entry.admitted = true;
      acknowledge(fresh, publisher.report);
      return undefined;
    },
    report: (error: ConfigError) => publisher.report(error),
    close() {
      core.closed = true;
      for (const entry of entries) entry.stop.abort();
    },
  };
  return core;
}
