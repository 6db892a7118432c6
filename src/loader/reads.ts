import { ConfigError, toConfigError } from '../errors.ts';
import type { Source } from '../sources/source.ts';
import type { LoaderCore } from './core.ts';
import { followSource } from './follow.ts';
import { acknowledge, createEntry, restoreLayer, saveLayer, type SourceEntry } from './layers.ts';

const closedError = () => new ConfigError('the config is closed', { code: 'CLOSED' });

/** Reads sources and adds them above the others, then follows them; all or none are added. */
export async function addSources(core: LoaderCore, sources: readonly Source[]): Promise<void> {
  if (core.closed) throw closedError();
  const added = sources.map(createEntry);
  const outcomes = await Promise.allSettled(added.map(async (entry) => core.take(entry, await entry.source.read())));
  const failures: ConfigError[] = [];
  outcomes.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') return;
    const entry = added[index]!;
    const error = toConfigError(outcome.reason, 'READ', entry.source.name);
    if (entry.source.optional) core.report(error);
    else failures.push(error);
  });
  if (failures.length > 0 || core.closed) {
    await closeAll(added);
    throw failures[0] ?? closedError();
  }
  for (const entry of added) {
    // An optional source that failed still takes its place, as an empty layer, and is followed.
    entry.state ??= Object.freeze({ name: entry.source.name, format: 'object', checksum: '', timestamp: Date.now() });
    core.entries.push(entry);
  }
  const refused = core.publish();
  if (refused) {
    core.entries.splice(core.entries.length - added.length, added.length);
    await closeAll(added);
    throw refused;
  }
  acknowledge(added, core.report);
  for (const entry of added) entry.following = followSource(core, entry);
}

/** Re-reads every source; failures keep their last good layer and reject with the first of them. */
export async function syncSources(core: LoaderCore): Promise<void> {
  if (core.closed) throw closedError();
  const entries = core.entries;
  const before = entries.map(saveLayer);
  const outcomes = await Promise.allSettled(entries.map(async (entry) => core.take(entry, await entry.source.read())));
  if (core.closed) return;
  const refused = core.publish();
  if (refused) {
    entries.forEach((entry, index) => restoreLayer(entry, before[index]!));
    core.report(refused);
    throw refused;
  }
  // Only the entries that took a new layer: an unchanged one was acknowledged when it took its layer.
  const changed = (entry: SourceEntry, index: number) => {
    const outcome = outcomes[index]!;
    return outcome.status === 'fulfilled' && outcome.value;
  };
  acknowledge(entries.filter(changed), core.report);
  const failures = outcomes.flatMap((outcome, index) =>
    outcome.status === 'rejected' ? [toConfigError(outcome.reason, 'READ', entries[index]!.source.name)] : [],
  );
  for (const failure of failures) core.report(failure);
  if (failures.length > 0) throw failures[0];
}

/** Closes sources, whatever each one's close does. */
export async function closeAll(entries: readonly SourceEntry[]): Promise<void> {
  await Promise.allSettled(entries.map(async (entry) => entry.source.close?.()));
}
