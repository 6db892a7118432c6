import type { ConfigError } from '../errors.ts';
import type { ChangeSet, ReadOptions } from '../sources/source.ts';
import { acknowledge, decodeAhead, isFresh, prepareCandidate, type Candidate, type LayerOptions, type SourceEntry } from './layers.ts';
import type { DecodedLayer } from './decode.ts';
import { applyOverrides, NO_OVERRIDES, OVERRIDES_NAME, type Overrides } from './overrides.ts';
import type { Publisher, Staged } from './publisher.ts';
import { inSlices } from './slices.ts';
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
  prepare(entry: SourceEntry, ticket: number, changeSet: ChangeSet, again?: boolean, ahead?: Promise<DecodedLayer>): Promise<Candidate | undefined>;
  /** Decodes a change set the entry's source told of ahead of its watch (see `decodeAhead`). */
  decodeAhead(entry: SourceEntry, changeSet: ChangeSet | undefined): void;
  /**
   * Publishes the admitted entries' layers with the fresh candidates in place (and `admit`'s entries admitted),
   * the run-time layer on top; returns the error of a refused candidate snapshot, in which case nothing changes.
   */
  commit(candidates: readonly Candidate[], admit?: readonly SourceEntry[], staged?: Staged): ConfigError | undefined;
  /**
   * `commit`, its merge and comparison worked out first in slices when a layer is large (the event loop turning
   * between them), then published at once; otherwise the same as `commit`, in the same step.
   */
  settle(candidates: readonly Candidate[], admit?: readonly SourceEntry[]): ConfigError | undefined | Promise<ConfigError | undefined>;
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
    prepare: (entry: SourceEntry, ticket: number, changeSet: ChangeSet, again?: boolean, ahead?: Promise<DecodedLayer>) =>
      prepareCandidate(entry, ticket, changeSet, decode, again, ahead),
    decodeAhead: (entry: SourceEntry, changeSet: ChangeSet | undefined) => decodeAhead(entry, changeSet, decode),
    commit(candidates: readonly Candidate[], admit: readonly SourceEntry[] = [], staged?: Staged): ConfigError | undefined {
      if (core.closed) return undefined;
      const { fresh, layers } = layersFor(candidates, admit);
      const refused = publisher.publish(layers, staged);
      for (const candidate of fresh) {
        candidate.entry.decided = candidate.ticket;
        candidate.entry.decidedKeys = candidate.keys;
      }
      if (refused) return refused;
      for (const candidate of fresh) {
        candidate.entry.layer = candidate.layer;
        candidate.entry.changeSet = candidate.kept;
      }
      for (const entry of admit) entry.admitted = true;
      acknowledge(fresh, publisher.report);
      return undefined;
    },
    settle(candidates: readonly Candidate[], admit: readonly SourceEntry[] = []) {
      if (core.closed) return undefined;
      if (!layersFor(candidates, admit).layers.some((layer) => layer.large)) return core.commit(candidates, admit);
      return settleInSlices(candidates, admit);
    },
    report: (error: ConfigError) => publisher.report(error),
    close() {
      core.closed = true;
      for (const entry of entries) {
        entry.stop.abort();
        entry.ahead = undefined;
      }
    },
  };
  /**
   * The layers a commit of the candidates would publish, lowest first, the run-time layer applied: the admitted
   * entries' (and `admit`'s), each fresh candidate's in place of its entry's.
   */
  function layersFor(candidates: readonly Candidate[], admit: readonly SourceEntry[]): { fresh: Candidate[]; layers: Layer[] } {
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
    return { fresh, layers: applyOverrides(layers, core.overrides, overridesState) };
  }

  /**
   * Stages the publish in slices, then commits with what was staged if it is still current. Anything published
   * meanwhile (another source, a newer change of the same one) makes it stale: it is staged again, a few times at
   * most, and then the publish redoes what it cannot take. The close stops it between two slices, and nothing is
   * published after; candidates all overtaken meanwhile are not staged further (the commit drops them).
   */
  async function settleInSlices(candidates: readonly Candidate[], admit: readonly SourceEntry[]): Promise<ConfigError | undefined> {
    let staged: Staged | undefined;
    for (let attempt = 0; attempt < STAGE_ATTEMPTS; attempt++) {
      const { layers } = layersFor(candidates, admit);
      const overtaken = () => core.closed || (candidates.length > 0 && !candidates.some(isFresh));
      const staging = inSlices((meter) => publisher.stage(layers, meter), overtaken);
      staged = staging instanceof Promise ? await staging : staging;
      if (core.closed) return undefined;
      if (staged === undefined || publisher.isCurrent(staged, layersFor(candidates, admit).layers)) break;
    }
    return core.commit(candidates, admit, staged);
  }

  return core;
}

/** How many times a publish is staged again when what it was staged against changed meanwhile. */
const STAGE_ATTEMPTS = 3;
