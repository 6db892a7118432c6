import { createChannel } from '../channel.ts';
import { checkEncoders, resolveFormat } from '../encoders/registry.ts';
import type { Encoders } from '../encoders/user.ts';
import { ConfigError, toConfigError } from '../errors.ts';
import { pathSegments, type Segment } from '../reader/path.ts';
import { normalize, setIn, type Tree } from '../reader/tree.ts';
import { applyWatchOption, createChangeSet, type ChangeSet, type ChangeSetObject, type ReadOptions, type Source, type SourceOptions } from './source.ts';
import { checkOptionNames, optionNames } from '../option-checks.ts';

/** Options of a memory source. */
export interface MemorySourceOptions extends SourceOptions {
  /** The format of string data (`json`, `yaml`, `toml`, `dotenv`, or an encoder's name); object data needs none. */
  format?: string | undefined;
  /** Formats of this source's own, by name: they win over the config's `encoders` and the built-in formats. */
  encoders?: Encoders | undefined;
}

/** A source holding data in memory; `replace` and `set` push a change through `watch()`. */
export interface MemorySource extends Source {
  /** Replaces the whole layer (an object, or text in the source's format). */
  replace(data: ChangeSetObject | string): void;
  /**
   * Sets one path (a dotted string or an array of segments) in an object layer. It costs the depth of the path
   * (the nodes on the way are copied, nothing else). A path and value nesting deeper than the config's `maxDepth`
   * throw a ConfigError (LIMIT) and leave the layer as it was.
   */
  set(path: string | readonly Segment[], value: unknown): void;
}

// Data given whole is taken up to this depth; the config then applies its own `maxDepth` to the layer.
const DEPTH = { maxDepth: 1000 };

const MEMORY_OPTIONS = optionNames<MemorySourceOptions>()('format', 'encoders', 'name', 'optional', 'watch');

/** A source over data held in memory: for defaults, tests, and values a program computes. */
export function memorySource(data: ChangeSetObject | string = {}, options: MemorySourceOptions = {}): MemorySource {
  options = checkOptionNames(options, MEMORY_OPTIONS, 'memorySource');
  const name = options.name ?? 'memory';
  // A change made before the config listens (during its first read, right after `load()`) waits for it.
  const channel = createChannel<ChangeSet>({ retain: true });
  // The config's nesting limit, told on its reads: `set` refuses what the config would refuse.
  let maxDepth = 64;
  const own = checkEncoders(options.encoders, { source: name });
  // Its own encoder, when it has one for its format; otherwise the config resolves the format by name.
  const resolved = own ? resolveFormat(options.format ?? 'json', [own]) : undefined;
  const encoder = resolved?.encoder;
  const format = encoder ? resolved!.format : (options.format ?? 'json');
  let current = make(data);

  function make(next: ChangeSetObject | string): ChangeSet {
    if (typeof next === 'string') {
      const changeSet = createChangeSet(name, format, next);
      if (encoder) changeSet.encoder = encoder;
      return changeSet;
    }
    // Copied and frozen now, so later changes to the caller's object cannot leak in unnoticed. What the copy throws
    // (a getter, a Proxy's trap) is the caller's option refused, as for `defaults`, not an engine error.
    try {
      return layer(normalize(next, DEPTH) as ChangeSetObject);
    } catch (error) {
      throw toConfigError(error, 'INVALID_OPTION', name);
    }
  }

  // A memory source's values are written by the program, like a document: `${VAR}` is expanded in them.
  function layer(tree: ChangeSetObject): ChangeSet {
    return createChangeSet(name, 'object', tree, Date.now(), undefined, true);
  }

  return applyWatchOption({
    name,
    optional: options.optional,
    read: async (_signal?: AbortSignal, limits?: ReadOptions) => {
      maxDepth = limits?.maxDepth ?? maxDepth;
      return current;
    },
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
      if (segments.length > maxDepth) {
        throw new ConfigError(`set() of a path of ${segments.length} segments, deeper than maxDepth (${maxDepth})`, { code: 'LIMIT', source: name });
      }
      let normalized: Tree;
      try {
        normalized = normalize(value, { maxDepth: maxDepth - segments.length });
      } catch (error) {
        throw toConfigError(error, 'INVALID_OPTION', name);
      }
      current = layer(setIn(current.data as Tree, segments, normalized) as ChangeSetObject);
      channel.push(current);
    },
    close: async () => channel.end(),
  }, options);
}
