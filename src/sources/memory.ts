import { createChannel } from '../channel.ts';
import { ConfigError } from '../errors.ts';
import { pathSegments, type Segment } from '../reader/path.ts';
import { normalize, setIn, type Tree } from '../reader/tree.ts';
import { applyWatchOption, createChangeSet, type ChangeSet, type ChangeSetObject, type Source, type SourceOptions } from './source.ts';

/** Options of a memory source. */
export interface MemorySourceOptions extends SourceOptions {
  /** The format of string data (`json`, `yaml`, `toml`, `dotenv`); object data needs none. */
  format?: string | undefined;
}

/** A source holding data in memory; `replace` and `set` push a change through `watch()`. */
export interface MemorySource extends Source {
  /** Replaces the whole layer (an object, or text in the source's format). */
  replace(data: ChangeSetObject | string): void;
  /** Sets one path (a dotted string or an array of segments) in an object layer. */
  set(path: string | readonly Segment[], value: unknown): void;
}

const DEPTH = { maxDepth: 1000 };

/** A source over data held in memory: for defaults, tests, and values a program computes. */
export function memorySource(data: ChangeSetObject | string = {}, options: MemorySourceOptions = {}): MemorySource {
  const name = options.name ?? 'memory';
  // A change made before the config listens (during its first read, right after `load()`) waits for it.
  const channel = createChannel<ChangeSet>({ retain: true });
  let current = make(data);

  function make(next: ChangeSetObject | string): ChangeSet {
    if (typeof next === 'string') {
      return createChangeSet(name, options.format ?? 'json', next);
    }
    // Copied and frozen now, so later changes to the caller's object cannot leak in unnoticed.
    return createChangeSet(name, 'object', normalize(next, DEPTH) as ChangeSetObject);
  }

  return applyWatchOption({
    name,
    optional: options.optional,
    read: async () => current,
    watch: (signal) => channel.subscribe(signal),
    async write(changeSet) {
      current = changeSet;
      channel.push(current);
    },
    replace(next) {
      current = make(next);
      channel.push(current);
    },
    set(path, value) {
      if (current.format !== 'object') {
        throw new ConfigError('set() needs an object layer; this memory source holds text', {
          code: 'INVALID_OPTION',
          source: name,
        });
      }
      const segments = pathSegments(path);
      if (segments.length === 0) {
        throw new ConfigError('set() needs a path; use replace() for the whole layer', { code: 'INVALID_PATH', source: name });
      }
      const tree = setIn(current.data as Tree, segments, normalize(value, DEPTH));
      current = createChangeSet(name, 'object', tree as ChangeSetObject);
      channel.push(current);
    },
    close: async () => channel.end(),
  }, options);
}
