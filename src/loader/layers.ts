import { toConfigError, type ConfigError } from '../errors.ts';
import { intern } from '../reader/intern.ts';
import type { Tree } from '../reader/tree.ts';
import { sameData, type ChangeSet, type Source } from '../sources/source.ts';
import { decodeChangeSet, type DecodeOptions } from './decode.ts';
import type { Layer } from './snapshot.ts';

/** A source in the loader. */
export interface SourceEntry {
  readonly source: Source;
  /** Its layer in the published configuration; undefined until the source is admitted. */
  layer: Layer | undefined;
  /** The change set behind the layer, to skip one that holds the same data. */
  changeSet: ChangeSet | undefined;
  /**
   * Tickets handed out, one per change set asked for: a read takes its ticket when it starts, a watch's change set
   * when it comes. A higher ticket is newer news.
   */
  issued: number;
  /** The newest ticket decided (published, refused, or found to hold the layer's data): an older one is stale. */
  decided: number;
  /** Whether the layer counts in snapshots: not while the `load()` that brings the source in is pending. */
  admitted: boolean;
  /** The loop following the source's watch, once it is followed. */
  following: Promise<void> | undefined;
  /**
   * Aborts the source's reads, watch and waits when the loader closes. One per source rather than one for the
   * loader: a shared signal would carry listeners for every source, and Node warns (MaxListenersExceededWarning)
   * past ten.
   */
  readonly stop: AbortController;
}

/** A layer decoded from a change set, waiting to be published with others or refused. */
export interface Candidate {
  readonly entry: SourceEntry;
  readonly ticket: number;
  readonly changeSet: ChangeSet;
  readonly layer: Layer;
}

/** A source not yet read. */
export function createEntry(source: Source): SourceEntry {
  return {
    source,
    layer: undefined,
    changeSet: undefined,
    issued: 0,
    decided: 0,
    admitted: false,
    following: undefined,
    stop: new AbortController(),
  };
}

/** The layer of a source that has none yet (an optional one that could not be read). */
export function emptyLayer(source: Source): Layer {
  return { state: Object.freeze({ name: source.name, format: 'object', checksum: '', timestamp: Date.now() }), tree: null };
}

/** Hands out the next ticket of an entry. */
export const nextTicket = (entry: SourceEntry): number => ++entry.issued;

/**
 * Decodes a change set into a candidate layer; undefined when a newer ticket was decided meanwhile, or when it
 * holds the data of the current layer (which decides its ticket: an older change set still decoding is then stale).
 */
export async function prepareCandidate(
  entry: SourceEntry,
  ticket: number,
  changeSet: ChangeSet,
  options: DecodeOptions,
): Promise<Candidate | undefined> {
  if (ticket <= entry.decided) return undefined;
  if (entry.changeSet && sameData(entry.changeSet, changeSet)) {
    entry.decided = ticket;
    return undefined;
  }
  const tree: Tree = await decodeChangeSet(changeSet, options);
  if (ticket <= entry.decided) return undefined;
  const layer: Layer = {
    state: Object.freeze({
      name: entry.source.name,
      format: changeSet.format,
      get checksum() {
        return changeSet.checksum;
      },
      timestamp: changeSet.timestamp,
    }),
    tree: intern(entry.layer?.tree ?? null, tree),
    origins: changeSet.origins ? new Map(changeSet.origins.map((o) => [o.path.join('\u0000'), o.origin])) : undefined,
  };
  return { entry, ticket, changeSet, layer };
}

/** True while no newer ticket of its entry was decided. */
export const isFresh = (candidate: Candidate): boolean => candidate.ticket > candidate.entry.decided;

/** Tells each candidate's source that its change set is now part of the published configuration. */
export function acknowledge(accepted: readonly Candidate[], report: (error: ConfigError) => void): void {
  for (const { entry, changeSet } of accepted) {
    if (!entry.source.accepted) continue;
    try {
      entry.source.accepted(changeSet);
    } catch (error) {
      report(toConfigError(error, 'LISTENER', entry.source.name));
    }
  }
}
