import { toConfigError, type ConfigError } from '../errors.ts';
import { intern } from '../reader/intern.ts';
import type { Tree } from '../reader/tree.ts';
import { sameData, type ChangeSet, type Source } from '../sources/source.ts';
import { decodeChangeSet, type DecodeOptions } from './decode.ts';
import type { Layer, SourceState } from './snapshot.ts';

/** A source in the loader, with its last good layer. */
export interface SourceEntry {
  readonly source: Source;
  state: SourceState | undefined;
  /** The last change set committed, to skip one that holds the same data. */
  last: ChangeSet | undefined;
  origins: ReadonlyMap<string, string> | undefined;
  tree: Tree;
  /** Order of the change sets obtained from this source; an older one never overwrites a newer one. */
  obtained: number;
  committed: number;
  /** The loop following the source's watch, once it is followed. */
  following: Promise<void> | undefined;
  /**
   * Stops following this source. One per source rather than one for the loader: a shared signal would carry a
   * listener per source, and Node warns (MaxListenersExceededWarning) past ten.
   */
  readonly stop: AbortController;
}

/** What an entry's layer was before a change, to restore if the candidate built on the change is refused. */
export type SavedLayer = Pick<SourceEntry, 'tree' | 'state' | 'last' | 'origins'>;

/** A source not yet read: no layer. */
export function createEntry(source: Source): SourceEntry {
  return {
    source,
    state: undefined,
    last: undefined,
    origins: undefined,
    tree: null,
    obtained: 0,
    committed: 0,
    following: undefined,
    stop: new AbortController(),
  };
}

/** The defaults, then the layer of every entry that has one, in order. */
export function layersOf(defaults: Layer, entries: readonly SourceEntry[]): Layer[] {
  const out = [defaults];
  for (const entry of entries) if (entry.state) out.push({ state: entry.state, tree: entry.tree, origins: entry.origins });
  return out;
}

/** The entry's layer as it is now. */
export const saveLayer = (entry: SourceEntry): SavedLayer => ({ tree: entry.tree, state: entry.state, last: entry.last, origins: entry.origins });

/** Puts a saved layer back. */
export const restoreLayer = (entry: SourceEntry, saved: SavedLayer): void => void Object.assign(entry, saved);

/**
 * Decodes a change set and commits it as the entry's layer unless a newer one was committed meanwhile (or the
 * loader closed); true when the layer changed.
 */
export async function takeChangeSet(entry: SourceEntry, changeSet: ChangeSet, options: DecodeOptions, closed: () => boolean): Promise<boolean> {
  const order = ++entry.obtained;
  if (entry.last && sameData(entry.last, changeSet)) return false;
  const tree = await decodeChangeSet(changeSet, options);
  if (closed() || order < entry.committed) return false;
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

/** Tells each entry's source that its last change set is now part of the published configuration. */
export function acknowledge(accepted: readonly SourceEntry[], report: (error: ConfigError) => void): void {
  for (const entry of accepted) {
    if (!entry.last || !entry.source.accepted) continue;
    try {
      entry.source.accepted(entry.last);
    } catch (error) {
      report(toConfigError(error, 'LISTENER', entry.source.name));
    }
  }
}
