import { ConfigError, toConfigError, type ConfigErrorCode } from '../errors.ts';
import { isChangeSet, type Source } from '../sources/source.ts';
import { readSource } from './bounds.ts';
import { closedError } from './closed.ts';
import { closeSources } from './closing.ts';
import type { LoaderCore } from './core.ts';
import { followSource } from './follow.ts';
import { createEntry, emptyLayer, freshUndecrypted, nextTicket, type Candidate, type SourceEntry } from './layers.ts';

// A source belongs to one config: closing that config closes the source, which would silently stop any other
// config following it. Sources are objects anyone may build, so they are remembered here rather than marked.
const claimed = new WeakSet<Source>();

/** Claims sources for a loader; throws, claiming none, if one of them is already claimed or given twice. */
function claim(sources: readonly Source[]): void {
  // Checked here, not only by the types: a call from JavaScript with a source missing would otherwise fail with
  // an engine message about a WeakSet, or on its first read.
  if (!Array.isArray(sources)) throw new ConfigError('sources must be an array of sources', { code: 'INVALID_OPTION' });
  // Index by index, holes included (forEach skips them, and an array of 2 ** 32 - 1 holes then went on to be
  // walked whole, for a minute and a half, to a TypeError): the first hole is refused at once.
  for (let index = 0; index < sources.length; index++) {
    const source: unknown = sources[index];
    // A function may carry read() as well as an object: it is a source too (a WeakSet takes it).
    const holder = (typeof source === 'object' && source !== null) || typeof source === 'function';
    if (!holder || typeof (source as Partial<Source>).read !== 'function') {
      throw new ConfigError(`sources[${index}] is not a source: an object with a read() function`, { code: 'INVALID_OPTION' });
    }
  }
  const seen = new Set<Source>();
  for (const source of sources) {
    if (claimed.has(source) || seen.has(source)) {
      throw new ConfigError('this source is already used by a config; a source belongs to one config: create another for this one', {
        code: 'INVALID_OPTION',
        source: source.name,
      });
    }
    seen.add(source);
  }
  for (const source of sources) claimed.add(source);
}

/** Reads a source into a candidate layer, the ticket taken as the read starts. */
async function readCandidate(core: LoaderCore, entry: SourceEntry): Promise<Candidate | undefined> {
  const ticket = nextTicket(entry);
  return core.prepare(entry, ticket, await readSource(core, entry));
}

/** What an `optional` source's first read may fail with and still take its place, as an empty layer. */
const FORGIVEN: ReadonlySet<ConfigErrorCode> = new Set<ConfigErrorCode>(['READ', 'WATCH', 'MISSING_PACKAGE']);

/**
 * Reads sources and adds them above the others, then follows them; all or none are added. Their place is taken
 * when the call is made, so concurrent `load()` calls stack in the order they were called.
 */
export async function addSources(core: LoaderCore, sources: readonly Source[]): Promise<void> {
  if (core.closed) throw closedError();
  claim(sources);
  const added = sources.map(createEntry);
  core.entries.push(...added);
  const outcomes = await Promise.allSettled(added.map((entry) => readCandidate(core, entry)));
  if (core.closed) throw closedError();
  const failures: ConfigError[] = [];
  const candidates: Candidate[] = [];
  const unfollowed = new Set<SourceEntry>();
  outcomes.forEach((outcome, index) => {
    const entry = added[index]!;
    if (outcome.status === 'fulfilled') {
      if (outcome.value) candidates.push(outcome.value);
      return;
    }
    const error = toConfigError(outcome.reason, 'READ', entry.source.name);
    // `optional` forgives a source that is not there (a missing file, a store down, a client not installed), not one
    // that is there and wrong: a document that does not decode, a value that does not decrypt, a layer over a limit
    // would start the service without it, on the layers below (node-config and Viper refuse such a file too).
    if (!entry.source.optional || !FORGIVEN.has(error.code)) failures.push(error);
    else {
      core.report(error);
      // An optional source that failed still takes its place, as an empty layer, and is followed.
      entry.layer = emptyLayer(entry.source);
      // A package that is not installed stays so: its watch would only report the same error again, and retry forever.
      if (error.code === 'MISSING_PACKAGE') unfollowed.add(entry);
    }
  });
  const settled = failures.length > 0 ? undefined : core.settle(candidates, added);
  const refused = settled instanceof Promise ? await settled : settled;
  // Closed while a large layer was being merged: nothing was published.
  if (core.closed && failures.length === 0 && !refused) throw closedError();
  if (failures.length > 0 || refused) {
    const kept = core.entries.filter((entry) => !added.includes(entry));
    core.entries.splice(0, core.entries.length, ...kept);
    await closeSources(added);
    throw failures[0] ?? refused;
  }
  if (core.follow) for (const entry of added) if (!unfollowed.has(entry)) entry.following = followSource(core, entry);
}

/**
 * Re-reads every admitted source and publishes what changed at once. A refused candidate changes nothing (what a
 * watch published meanwhile stays); failures keep their last good layer; the call rejects with the first error.
 */
export async function syncSources(core: LoaderCore): Promise<void> {
  if (core.closed) throw closedError();
  const entries = core.entries.filter((entry) => entry.admitted);
  const outcomes = await Promise.allSettled(entries.map((entry) => readCandidate(core, entry)));
  if (core.closed) return;
  const candidates = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value ? [outcome.value] : []));
  const settled = core.settle(candidates);
  const refused = settled instanceof Promise ? await settled : settled;
  if (core.closed) return;
  if (refused) {
    core.report(refused);
    throw refused;
  }
  const failures = outcomes.flatMap((outcome, index) =>
    outcome.status === 'rejected' ? [toConfigError(outcome.reason, 'READ', entries[index]!.source.name)] : [],
  );
  for (const failure of failures) core.report(failure);
  if (failures.length > 0) throw failures[0];
}

/**
 * Decodes every admitted source's newest change set again (the keys that open its `enc:` values changed) and
 * publishes the result at once; a change set that did not decrypt with the old keys is its source's newest news,
 * so it is the one taken. A source whose values no longer open keeps its last good layer, with one DECRYPT error.
 */
export async function retakeSources(core: LoaderCore): Promise<void> {
  if (core.closed) return;
  const taken = core.entries.flatMap((entry) => {
    // Whatever is being decoded now opens its values again with the new keys (see `prepareCandidate`).
    entry.keys++;
    // With a decrypter, the entry keeps its change set whole (see `prepareCandidate`).
    const kept = entry.changeSet && isChangeSet(entry.changeSet) ? entry.changeSet : undefined;
    const undecrypted = freshUndecrypted(entry);
    const changeSet = entry.admitted ? (undecrypted ?? kept) : undefined;
    // Under the ticket of the data taken again, not a newer one: a change set still being read or decoded is newer
    // news, and is published over it, never dropped as overtaken by it.
    const ticket = undecrypted ? entry.undecrypted!.ticket : entry.decided;
    return changeSet ? [{ entry, changeSet, ticket }] : [];
  });
  const outcomes = await Promise.allSettled(taken.map(({ entry, changeSet, ticket }) => core.prepare(entry, ticket, changeSet, true)));
  if (core.closed) return;
  const candidates = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value ? [outcome.value] : []));
  const settled = core.settle(candidates);
  const refused = settled instanceof Promise ? await settled : settled;
  if (core.closed) return;
  if (refused) core.report(refused);
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'rejected') core.report(toConfigError(outcome.reason, 'DECRYPT', taken[index]!.entry.source.name));
  });
}
