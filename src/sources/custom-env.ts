import { decodeTree } from '../encoders/encoder.ts';
import { formatName, loadEncoder, type BuiltinEncoder } from '../encoders/index.ts';
import { ConfigError, toConfigError } from '../errors.ts';
import { formatPath } from '../reader/path.ts';
import { unflatten, type FlatEntry } from '../reader/keys.ts';
import { isObject, type Tree, type TreeObject } from '../reader/tree.ts';
import { fileSource } from './file.ts';
import { fileText } from './read-file.ts';
import { applyWatchOption, createChangeSet, type ChangeSet, type Origin, type Source, type SourceOptions } from './source.ts';

/** Turns a variable's text into a value by a `__format` (already checked to be known); null is "unset". */
export type FormatParser = (format: string, text: string) => Tree;

/** A mapping's paths, filled from the environment, and the variable behind each. */
export interface CustomEnvironment {
  /** The values found, as a tree. */
  readonly tree: TreeObject;
  /** The variable behind each path, for `explain`. */
  readonly origins: readonly Origin[];
}

/**
 * node-config's `custom-environment-variables` document: each string leaf names a variable whose value, when set
 * and not empty, goes to that leaf's path; `{ __name, __format }` parses the variable (`boolean`: `"true"` or
 * false; `number`: a number, or unset when it is not one; any format microconf decodes, `json` read as JSON5 as
 * node-config does). Any other leaf (a number, a list) is an error naming its path.
 */
export function mapCustomEnvironment(
  mapping: Tree,
  env: Readonly<Record<string, string | undefined>>,
  parse: FormatParser,
): CustomEnvironment {
  const entries: FlatEntry[] = [];
  const origins: Origin[] = [];
  const walk = (node: TreeObject, path: readonly string[]): void => {
    for (const key of Object.keys(node)) {
      const value = node[key]!;
      const at = [...path, key];
      if (typeof value === 'string') {
        const text = Object.hasOwn(env, value) ? env[value] : undefined;
        if (text === undefined || text === '') continue;
        entries.push({ segments: at, value: text });
        origins.push({ path: at, origin: value });
      } else if (isObject(value)) {
        const name = Object.hasOwn(value, '__name') ? value.__name : undefined;
        const format = Object.hasOwn(value, '__format') ? value.__format : undefined;
        const text = typeof name === 'string' && Object.hasOwn(env, name) ? env[name] : undefined;
        // As node-config does, an object with both keys whose variable is unset is walked like any other.
        if (Object.hasOwn(value, '__format') && text !== undefined && text !== '') {
          const parsed = parseFormat(format, text, name as string, at, parse);
          // A parsed null sets nothing, as in node-config; a number that is not one unsets the path.
          if (parsed === null && format !== 'number') continue;
          entries.push({ segments: at, value: parsed });
          origins.push({ path: at, origin: name as string });
        } else {
          walk(value, at);
        }
      } else {
        throw new ConfigError(`the mapping at "${formatPath(at)}" must be a variable name or an object, not ${describe(value)}`, {
          code: 'DECODE',
          path: formatPath(at),
        });
      }
    }
  };
  if (mapping !== null) {
    if (!isObject(mapping)) throw new ConfigError('the mapping must be an object at the top level', { code: 'NOT_OBJECT' });
    walk(mapping, []);
  }
  return { tree: unflatten(entries), origins };
}

/** The formats a mapping names (other than `boolean` and `number`), to load their decoders first. */
export function mappingFormats(mapping: Tree): Set<string> {
  const found = new Set<string>();
  const walk = (node: Tree): void => {
    if (!isObject(node)) return;
    if (Object.hasOwn(node, '__format') && typeof node.__format === 'string' && node.__format !== 'boolean' && node.__format !== 'number') found.add(node.__format);
    for (const key of Object.keys(node)) walk(node[key]!);
  };
  walk(mapping);
  return found;
}

function parseFormat(format: Tree | undefined, text: string, name: string, at: readonly string[], parse: FormatParser): Tree {
  if (format === 'boolean') return text === 'true';
  if (format === 'number') {
    const number = Number(text);
    return Number.isNaN(number) ? null : number;
  }
  if (typeof format !== 'string' || encoderFormat(format) === undefined) {
    throw new ConfigError(`unknown __format at "${formatPath(at)}"`, { code: 'FORMAT', path: formatPath(at) });
  }
  try {
    return parse(format, text);
  } catch (error) {
    // Never the parser's message: it may quote the variable's value.
    const where = error instanceof ConfigError && error.line !== undefined ? ` at line ${error.line}, column ${error.column}` : '';
    throw new ConfigError(`${name} does not decode as ${format}${where} (mapped at "${formatPath(at)}")`, {
      code: 'DECODE',
      path: formatPath(at),
    });
  }
}

/** The decoder a `__format` names: node-config reads `json` with JSON5. */
export function encoderFormat(format: string): string | undefined {
  return format.toLowerCase() === 'json' ? 'json5' : formatName(format);
}

function describe(value: Tree): string {
  return value === null ? 'null' : Array.isArray(value) ? 'a list' : `a ${typeof value}`;
}

/** Options of a custom environment variables source. */
export interface CustomEnvironmentSourceOptions extends SourceOptions {
  /** The mapping document's path. */
  path: string;
  /** Its format (default: from the extension). */
  format?: string | undefined;
  /** The environment (default `process.env`, read at each read). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Milliseconds to wait after the last file event before reading (default as for a file). */
  debounce?: number | undefined;
}

// A config's own defaults: the mapping is handed on decoded, so the loader's limits cannot apply to its text.
const LIMITS = { maxDepth: 64 };
const MAX_BYTES = 16 * 1024 * 1024;

/**
 * The environment, mapped to paths by a node-config `custom-environment-variables` document. The document is
 * followed: editing it publishes the new mapping. A missing document is an empty layer.
 */
export function customEnvironmentSource(options: CustomEnvironmentSourceOptions): Source {
  const name = options.name ?? `env:${options.path}`;
  const file = fileSource({ path: options.path, format: options.format, optional: true, name, debounce: options.debounce });

  async function map(read: ChangeSet): Promise<ChangeSet> {
    try {
      let mapping: Tree = null;
      const text = read.format === 'object' ? undefined : fileText(read.data);
      if (text !== undefined && /\S/.test(text)) {
        if (Buffer.byteLength(text) > MAX_BYTES) {
          throw new ConfigError(`the mapping exceeds the limit of ${MAX_BYTES} bytes`, { code: 'LIMIT' });
        }
        mapping = decodeTree(await loadEncoder(read.format), text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, LIMITS);
      }
      const encoders = new Map<string, BuiltinEncoder>();
      for (const format of mappingFormats(mapping)) {
        const canonical = encoderFormat(format);
        if (canonical !== undefined) encoders.set(format, await loadEncoder(canonical));
      }
      const parse: FormatParser = (format, text) => decodeTree(encoders.get(format)!, text, LIMITS);
      const { tree, origins } = mapCustomEnvironment(mapping, options.env ?? process.env, parse);
      return createChangeSet(name, 'object', tree, read.timestamp, origins);
    } catch (error) {
      const failure = toConfigError(error, 'DECODE', name);
      throw failure.path === undefined ? new ConfigError(failure.detail, { code: failure.code, source: name, path: options.path }) : failure;
    }
  }

  return applyWatchOption({
    name,
    optional: options.optional,
    read: async () => map(await file.read()),
    watch(signal) {
      return {
        [Symbol.asyncIterator]() {
          const inner = file.watch!(signal)[Symbol.asyncIterator]();
          // Each mapping is read through: a bad one rejects this read only, and the watch goes on.
          return {
            async next(): Promise<IteratorResult<ChangeSet>> {
              const result = await inner.next();
              return result.done ? result : { done: false, value: await map(result.value) };
            },
            return: async () => (await inner.return?.()) ?? { done: true, value: undefined },
          };
        },
      };
    },
    close: async () => file.close?.(),
  }, options);
}
