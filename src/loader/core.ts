import type { ConfigError } from '../errors.ts';
import type { ChangeSet } from '../sources/source.ts';
import type { DecodeOptions } from './decode.ts';
import { layersOf, takeChangeSet, type SourceEntry } from './layers.ts';
import { applyOverrides, NO_OVERRIDES, OVERRIDES_NAME, type Overrides } from './overrides.ts';
import type { Publisher } from './publisher.ts';

/** What reading, following and closing share: the entries, the publisher, and whether the loader is closed. */
export interface LoaderCore {
  /** Publishing and reporting. */
  readonly publisher: Publisher;
  /** The sources, in order (lowest first). */
  readonly entries: SourceEntry[];
  /** True once the loader closes. */
  readonly closed: boolean;
  /** The run-time layer (`config.set`, `config.delete`), applied above every source on each publish. */
  overrides: Overrides;
  /** How long a failed watch waits before it is retried, at most (ms). */
  readonly maxRetryDelay: number;
  /** Decodes a change set and commits it as the entry's layer, unless a newer one was committed meanwhile. */
  take(entry: SourceEntry, changeSet: ChangeSet): Promise<boolean>;
  /** Publishes the entries' layers; returns the error of a refused candidate. */
  publish(): ConfigError | undefined;
  /** Reports an error on the `error` event. */
  report(error: ConfigError): void;
}

/** Builds the shared core; `close` stops following every source. */
export function createCore(publisher: Publisher, decode: DecodeOptions, maxRetryDelay: number): LoaderCore & { close(): void } {
  const entries: SourceEntry[] = [];
  const state = Object.freeze({ name: OVERRIDES_NAME, format: 'object', checksum: '', timestamp: Date.now() });
  const core = {
    publisher,
    entries,
    closed: false,
    overrides: NO_OVERRIDES,
    maxRetryDelay,
    take: (entry: SourceEntry, changeSet: ChangeSet) => takeChangeSet(entry, changeSet, decode, () => core.closed),
    publish: () => publisher.publish(applyOverrides(layersOf(publisher.defaults, entries), core.overrides, state)),
    report: (error: ConfigError) => publisher.report(error),
    close() {
      core.closed = true;
      for (const entry of entries) entry.stop.abort();
    },
  };
  return core;
}
