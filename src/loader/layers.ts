import { ConfigError, toConfigError } from '../errors.ts';
import { internInSlices } from '../reader/intern.ts';
import { walkWhole, type Meter, type Walk } from '../reader/slices.ts';
import type { Tree } from '../reader/tree.ts';
import type { Decrypter } from '../secrets/envelope.ts';
import { isChangeSet, keepData, sameData, type ChangeSet, type KeptData, type Source } from '../sources/source.ts';
import { decodeLayer, type DecodedLayer, type DecodeOptions } from './decode.ts';
import { decodesOffThread } from './off-thread.ts';
import { closedError } from './closed.ts';
import { decryptInSlices } from './decrypt.ts';
import { inSlices } from './slices.ts';
import type { Layer } from './snapshot.ts';

/** A source in the loader. */
export interface SourceEntry {
  readonly source: Source;
  /** Its layer in the published configuration; undefined until the source is admitted. */
  layer: Layer | undefined;
  /**
   * What is kept of the change set behind the layer, to skip one that holds the same data: the change set itself
   * when its values are decrypted (new keys decode it again) or it is small, else its data's digest.
   */
  changeSet: KeptData | undefined;
  /**
   * Tickets handed out, one per change set asked for: a read takes its ticket when it starts, a watch's change set
   * when it comes. A higher ticket is newer news.
   */
  issued: number;
  /** The newest ticket decided (published, refused, or found to hold the layer's data): an older one is stale. */
  decided: number;
  /**
   * How many times the keys that open `enc:` values changed while the source was in the loader. A change of keys
   * decodes the entry's data again under the ticket of that data, not a newer one: news still being read or decoded
   * then (a newer ticket) is not overtaken by it, and a decode whose values were opened with fewer is redone.
   */
  keys: number;
  /** `keys` when the decided ticket's values were opened: with `decided`, the newest decision (see `isOvertaken`). */
  decidedKeys: number;
  /** Whether the layer counts in snapshots: not while the `load()` that brings the source in is pending. */
  admitted: boolean;
  /**
   * The newest change set whose values did not decrypt with the keys in force, and its ticket: not decoded (nor
   * reported) again while the keys stay, taken again when they change. Stale once a newer ticket is decided.
   */
  undecrypted: { readonly changeSet: ChangeSet; readonly ticket: number; readonly keys: number } | undefined;
  /**
   * A change set its source told of ahead of its watch (see `READ_AHEAD`), and its tree decoding meanwhile: taken
   * when the watch yields that very change set, dropped at the next one.
   */
  ahead: { readonly changeSet: ChangeSet; readonly decoded: Promise<DecodedLayer> } | undefined;
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
  /** The entry's `keys` when the layer's values were opened. */
  readonly keys: number;
  readonly changeSet: ChangeSet;
  /** What the entry keeps of the change set once the layer is published. */
  readonly kept: KeptData;
  readonly layer: Layer;
}

/** How change sets become layers: decoded, then their `enc:` values opened when there is a decrypter. */
export interface LayerOptions extends DecodeOptions {
  /** Opens `enc:` values; without one they stay as written. */
  decrypt?: Decrypter | undefined;
}

/** A source not yet read. */
export function createEntry(source: Source): SourceEntry {
  return {
    source,
    layer: undefined,
    changeSet: undefined,
    issued: 0,
    decided: 0,
    keys: 0,
    decidedKeys: 0,
    admitted: false,
    undecrypted: undefined,
    ahead: undefined,
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
 * Starts decoding a change set its source told of ahead of its watch (see `READ_AHEAD`), undefined to drop the one
 * told before. Only a text decoded on the event loop, and not one holding the current layer's data: what the watch
 * yields then is decoded already. A failure is told when, and if, the watch yields the change set.
 */
export function decodeAhead(entry: SourceEntry, changeSet: ChangeSet | undefined, options: LayerOptions): void {
  entry.ahead = undefined;
  if (changeSet === undefined || entry.stop.signal.aborted) return;
  const { data, format } = changeSet;
  if (typeof data !== 'string' || changeSet.encoder !== undefined || decodesOffThread(format, Buffer.byteLength(data))) return;
  if (entry.changeSet && sameData(entry.changeSet, changeSet)) return;
  const decoded = decodeLayerTree(entry, changeSet, options, false);
  decoded.catch(() => {});
  entry.ahead = { changeSet, decoded };
}

/** The tree of a change set told of ahead, when it is the one the watch now yields; the one told is dropped either way. */
export function takeAhead(entry: SourceEntry, changeSet: ChangeSet): Promise<DecodedLayer> | undefined {
  const ahead = entry.ahead;
  entry.ahead = undefined;
  return ahead?.changeSet === changeSet ? ahead.decoded : undefined;
}

/**
 * Runs a walk of a layer: a large one in slices (see `inSlices`), failing CLOSED if `signal` aborts meanwhile; any
 * other in the step that asked.
 */
async function walkLayer<T>(large: boolean, start: (meter: Meter) => Walk<T>, signal: AbortSignal): Promise<T> {
  if (!large) return walkWhole(start);
  const walking = inSlices(start, () => signal.aborted);
  const done = walking instanceof Promise ? await walking : walking;
  if (done === undefined) throw closedError();
  return done;
}

/** A change set's layer, decoded against the source's current layer (see `decodeLayer`). */
function decodeLayerTree(entry: SourceEntry, changeSet: ChangeSet, options: LayerOptions, takesBytes: boolean): Promise<DecodedLayer> {
  // A layer whose values are decrypted is built anew from the decoded tree, and decoded with no previous one: a map
  // of its text would never be read.
  const mapsText = entry.source.watch !== undefined && !options.decrypt;
  return decodeLayer(changeSet, { ...options, takesBytes, signal: entry.stop.signal, mapsText }, options.decrypt ? undefined : (entry.layer?.tree ?? undefined));
}

/**
 * Decodes a change set (and opens its `enc:` values) into a candidate layer; undefined when a newer ticket was
 * decided meanwhile, or when it holds the data of the current layer (which decides its ticket: an older change set
 * still decoding is then stale), or the data that just failed to decrypt with the same keys. `again` decodes it
 * whatever it holds: the keys that open its values changed. `ahead` is its layer decoding already (`takeAhead`).
 */
export async function prepareCandidate(
  entry: SourceEntry,
  ticket: number,
  changeSet: ChangeSet,
  options: LayerOptions,
  again = false,
  ahead?: Promise<DecodedLayer>,
): Promise<Candidate | undefined> {
  if (isOvertaken(entry, ticket, entry.keys)) return undefined;
  // A source of one's own may hand over anything: what is not a change set is said to be that, not a decoder's fault.
  if (!isChangeSetShaped(changeSet)) {
    throw new ConfigError('the source gave something other than a change set (see createChangeSet)', { code: 'READ', source: entry.source.name });
  }
  // Data whose values were opened with keys that changed since is decoded again whatever it holds.
  if (!again && entry.decidedKeys === entry.keys) {
    if (entry.changeSet && sameData(entry.changeSet, changeSet)) {
      entry.decided = ticket;
      return undefined;
    }
    // A file is read more than once for one write: the same value failing the same way is reported once.
    const undecrypted = freshUndecrypted(entry);
    if (undecrypted && entry.undecrypted!.keys === entry.keys && sameData(undecrypted, changeSet)) return undefined;
  }
  // Kept before the decode, which may take the change set's bytes over (see `handOver`): its checksum is taken now.
  // New keys decode the change set of a layer with decrypted values again: that one is kept whole.
  const kept = options.decrypt ? changeSet : keepData(changeSet);
  const state = layerState(entry.source.name, changeSet, kept);
  // A layer whose values are decrypted is built anew from the decoded one: the decoded tree shares nothing with it.
  const decoded = await (ahead ?? decodeLayerTree(entry, changeSet, options, !isChangeSet(kept)));
  let tree: Tree = decoded.tree;
  let secrets = changeSet.origins?.filter((origin) => origin.secret).map((origin) => origin.path);
  let keys = entry.keys;
  if (options.decrypt) {
    const decrypter = options.decrypt;
    const opened = tree;
    let decrypted;
    // Opened again when the keys change meanwhile (a large layer is opened across turns of the event loop): the
    // retake of the keys' change does not overtake this newer news, which must then be opened with the new keys.
    for (;;) {
      keys = entry.keys;
      try {
        decrypted = await walkLayer(decoded.large, (meter) => decryptInSlices(opened, decrypter, changeSet.source, meter), entry.stop.signal);
      } catch (error) {
        if (entry.keys !== keys && !entry.stop.signal.aborted) continue;
        const refused = (error as ConfigError).code === 'DECRYPT';
        if (refused && !isOvertaken(entry, ticket, keys) && ticket >= (entry.undecrypted?.ticket ?? 0)) entry.undecrypted = { changeSet, ticket, keys };
        throw error;
      }
      if (entry.keys === keys) break;
    }
    if (isOvertaken(entry, ticket, keys)) return undefined;
    // Decoded against the current layer, the tree already holds its equal nodes; a decrypted one is built anew.
    const decryptedTree = decrypted.tree;
    tree = await walkLayer(decoded.large, (meter) => internInSlices(entry.layer?.tree ?? null, decryptedTree, meter), entry.stop.signal);
    if (decrypted.secrets.length > 0) secrets = [...(secrets ?? []), ...decrypted.secrets];
  }
  if (isOvertaken(entry, ticket, keys)) return undefined;
  const layer: Layer = {
    state,
    tree,
    origins: changeSet.origins ? new Map(changeSet.origins.map((o) => [o.path.join('\u0000'), o.origin])) : undefined,
    secrets: secrets?.length ? secrets : undefined,
    large: decoded.large || undefined,
  };
  return { entry, ticket, keys, changeSet, kept, layer };
}

// The change set behind a layer's state, for its checksum.
const CHANGE_SET = Symbol('changeSet');

function stateChecksum(this: { [CHANGE_SET]: ChangeSet }): string {
  return this[CHANGE_SET].checksum;
}

/**
 * A layer's state, its checksum the change set's, computed when asked for. The getter is one function for every
 * state (see `lazyChecksum` in source.ts: a getter per object gives each its own hidden class, kept, with the change
 * set and its data, until a full collection). A change set kept as its digest is not held: the checksum was taken
 * for the digest, and the change set's data would otherwise stay as long as the layer does.
 */
function layerState(name: string, changeSet: ChangeSet, kept: KeptData): Layer['state'] {
  const { format, timestamp } = changeSet;
  if (!isChangeSet(kept)) return Object.freeze({ name, format, checksum: kept.checksum, timestamp });
  const state = { name, format } as Record<string | symbol, unknown>;
  Object.defineProperty(state, 'checksum', { get: stateChecksum, enumerable: true });
  state.timestamp = timestamp;
  Object.defineProperty(state, CHANGE_SET, { value: changeSet });
  return Object.freeze(state) as unknown as Layer['state'];
}

/** The change set that failed to decrypt, while it is still the newest news of its source. */
export function freshUndecrypted(entry: SourceEntry): ChangeSet | undefined {
  const undecrypted = entry.undecrypted;
  return undecrypted && !isOvertaken(entry, undecrypted.ticket, undecrypted.keys) ? undecrypted.changeSet : undefined;
}

/**
 * Whether the entry decided a ticket newer than `ticket`, or the same one with its values opened by the same keys or
 * newer ones (a change of keys decodes the entry's data again under that data's ticket).
 */
function isOvertaken(entry: SourceEntry, ticket: number, keys: number): boolean {
  return ticket < entry.decided || (ticket === entry.decided && keys <= entry.decidedKeys);
}

/** True while no newer decision of its entry was taken (see `isOvertaken`). */
export const isFresh = (candidate: Candidate): boolean => !isOvertaken(candidate.entry, candidate.ticket, candidate.keys);

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

/**
 * Whether a source's answer has the shape of a change set: data to decode, named by a format. Decoded data may be
 * null, an empty layer as an empty document is (`memorySource(null)` is one).
 */
function isChangeSetShaped(changeSet: unknown): changeSet is ChangeSet {
  if (typeof changeSet !== 'object' || changeSet === null) return false;
  const { data, format } = changeSet as Partial<ChangeSet>;
  if (typeof format !== 'string') return false;
  return typeof data === 'string' || typeof data === 'object' && (data !== null || format === 'object');
}
