import type { AbortSignalLike } from './abort-signal.ts';
import { createConfigListeners, type ConfigEvents } from './config-events.ts';
import { checkEncoders } from './encoders/registry.ts';
import type { Encoders } from './encoders/user.ts';
import { ConfigError, toConfigError, type ConfigIssue } from './errors.ts';
import { explainPath, type Explanation } from './loader/explain.ts';
import { createLoader } from './loader/loader.ts';
import { withDelete, withSet } from './loader/overrides.ts';
import { hideSecrets } from './loader/present.ts';
import { followKeys } from './loader/rekey.ts';
import { createSnapshot, createView, type Layer, type Snapshot, type SnapshotView } from './loader/snapshot.ts';
import { createWatcher, type Watcher } from './loader/watcher.ts';
import type { Environment } from './reader/expand.ts';
import { sizeBudget } from './reader/budget.ts';
import { pathSegments, toSegments, type PathArgs, type Segment } from './reader/path.ts';
import type { CheckArgs, CheckPath, RootPath, TypeAt, TypeAtPath } from './reader/paths.ts';
import { cloneTree, deepEqual, getIn, isObject, normalize, sortedJson, type Tree, type TreeObject } from './reader/tree.ts';
import {
  copyOutput,
  freezeOutput,
  issueSegments,
  outputValueOf,
  runSchema,
  type StandardInput,
  type StandardOutput,
  type StandardSchemaV1,
  type Value,
} from './reader/value.ts';
import { issueMessage } from './reader/issue-message.ts';
import type { Redactor } from './reader/secrets.ts';
import type { Decrypter } from './secrets/envelope.ts';
import { checkOptionNames, countOption, delayOption, optionNames, stringList } from './option-checks.ts';
import type { Source } from './sources/source.ts';

/** Options of `createConfig`. */
export interface ConfigOptions<S extends StandardSchemaV1 | undefined = undefined> {
  /**
   * A Standard Schema (zod, valibot, arktype, …) every candidate snapshot must pass before it is published: an
   * invalid one is refused with a ConfigError listing each issue, its path and the source of the bad value, and
   * the last good snapshot stays. With a schema, `config.scan()` returns its validated (and coerced) output.
   */
  schema?: S;
  /**
   * Paths whose values are never printed (`database.password`, `**.token`): explain, events' printed forms, the
   * messages of refused candidates. Decrypted values and secret files' values are never printed either, without
   * being listed here.
   */
  secret?: readonly string[] | undefined;
  /**
   * Opens values written `enc:<base64>` in every source (`secretbox({ key })` from `microconf/secrets`, Go
   * Config's format) as each layer is decoded; a value that does not open is a DECRYPT error for its source, which
   * keeps its last good layer. A decrypter that follows a key file (`secretbox({ keyFile })`) is followed too: a
   * rotated key file decrypts every source again, without a restart.
   */
  decrypt?: Decrypter | undefined;
  /** The lowest layer: what every source overrides. */
  defaults?: Readonly<Record<string, unknown>> | undefined;
  /** Sources in order; a later one wins over an earlier one. */
  sources?: readonly Source[] | undefined;
  /** Expand `${VAR}` and `${VAR:-fallback}` in string values (default true); `$${` stays a literal `${`. */
  expandEnv?: boolean | undefined;
  /** Where `${VAR}` looks variables up (default `process.env`). */
  env?: Environment | undefined;
  /**
   * Formats of your own, by name (`{ ini: iniEncoder }`), for every source of this config (Go Config's
   * `reader.WithEncoder`).
   *
   * **When to use**: documents in a format microconf does not decode, or a built-in format decoded another way.
   *
   * **Details**: the name is the format's name and a file extension; an encoder's `extensions` adds more (names and
   * extensions are case-insensitive). File sources pick an encoder by the file's extension (or their `format`),
   * Consul and etcd keys by the key's extension, memory sources by their `format`. A source's own `encoders` win
   * over these, and these over the built-in formats. Naming an encoder after a built-in format (`json`, `yaml`,
   * `toml`, `dotenv`, `json5`) replaces it in every source, its other extensions included (`yaml` also decodes
   * `.yml`); listing a built-in format's name or extension among another encoder's `extensions` is refused, so a
   * built-in format is only ever replaced by name.
   *
   * **Gotchas**: a bad option (not a format name, no `decode`, an extension two encoders claim) rejects
   * `createConfig` with INVALID_OPTION. A file source whose extension nothing decodes fails on its first read (a
   * FORMAT error naming the file), even when it is `optional`. See `Encoder` for what `decode` receives and returns.
   */
  encoders?: Encoders | undefined;
  /** Largest document a source may hand over, in bytes (default 16 MiB; a whole number of at least 1). */
  maxBytes?: number | undefined;
  /** Deepest nesting accepted in any document (default 64; a whole number of at least 1). */
  maxDepth?: number | undefined;
  /**
   * Most values (objects, arrays and leaves, counted together) one source's layer may hold (default 100 000).
   *
   * **Details**: every value costs the event loop microseconds each time a layer is merged and compared, and tens
   * of bytes of heap, whatever the text it took: a megabyte of `{},` is 350 000 objects. A layer with more is
   * refused (`LIMIT`, naming the source) and the last good one kept.
   */
  maxValues?: number | undefined;
  /**
   * Follow the sources' changes (default true). `false` reads them on `createConfig`, `load()` and `sync()` only,
   * with no watcher (Go Config's `WithWatcherDisabled`); a source's own `watch: false` does the same for it alone.
   */
  watch?: boolean | undefined;
  /**
   * How long a source's read may take, at start, on `load()` and `sync()`, before it fails (ms, default 10 000).
   * It bounds every kind of source; the stores' own `timeout` (default 5 s) is meant to answer first. More than
   * 2^31 - 1 ms (24.8 days, the longest a timer waits) is taken as that.
   */
  readTimeout?: number | undefined;
}

/** Options of `config.watch`. */
export interface WatchOptions {
  /** Stops the watcher when aborted. */
  signal?: AbortSignalLike | undefined;
}


/**
 * Live, layered configuration: typed reads of the current snapshot, watchers, and sources added at run time.
 *
 * `Shape` is what reads are typed by: a schema's output, or the type given to `createConfig<Shape>()`. Then paths
 * are checked at compile time (a path the shape does not have is a type error naming it, with the choices) and
 * `value()` is typed. `Input` types the plain values of watchers' changes: what the schema accepts. Without either,
 * any path is accepted and values are untyped. The typing is compile-time only: reads run the same code.
 */
export interface Config<Shape = Record<string, unknown>, Input = Shape> {
  /** The value at a path of the current snapshot: one string is a dotted path, several segments are literal. */
  get<const A extends PathArgs>(...path: CheckArgs<Shape, A>): Value<TypeAt<Shape, A>>;
  /** A watcher of the value at a path (a dotted string or an array of segments, checked like `get`'s; none watches the root). */
  watch<const P extends string | readonly Segment[] = RootPath>(
    path?: CheckPath<Shape, P>,
    options?: WatchOptions,
  ): Watcher<TypeAtPath<Shape, P>, PlainAt<Input, P>>;
  /** Listens to `change` or `error`. */
  on<E extends keyof ConfigEvents>(event: E, listener: ConfigEvents[E]): this;
  /** Removes a listener. */
  off<E extends keyof ConfigEvents>(event: E, listener: ConfigEvents[E]): this;
  /** Listens once. */
  once<E extends keyof ConfigEvents>(event: E, listener: ConfigEvents[E]): this;
  /** Reads sources and adds them above the existing ones; if one fails (and is not optional), none is added. */
  load(...sources: Source[]): Promise<void>;
  /** Re-reads every source now; a failing one keeps its last good layer and the call rejects with its error. */
  sync(): Promise<void>;
  /**
   * Sets a path in a run-time layer above every source (Go Config's `Set`), published like any change and shown
   * by `explain` as `set`. The value replaces what the sources hold there, and stays through their reloads.
   */
  set(path: string | readonly Segment[], value: unknown): Promise<void>;
  /** Hides a path (and a value set there) whatever the sources hold, until it is set again (Go Config's `Del`). */
  delete(path: string | readonly Segment[]): Promise<void>;
  /** The whole merged tree (frozen, shared). */
  map(): TreeObject;
  /** The whole tree as JSON with sorted keys. */
  bytes(): Uint8Array;
  /**
   * A deep, mutable copy of the whole tree; with a config schema, of its validated (and coerced) output, in which an
   * instance a transform made (a URL, a client, a function) is that instance, not a copy.
   */
  scan<T = Shape>(): T;
  /** The whole tree validated (and coerced) by a Standard Schema. */
  scan<S extends StandardSchemaV1>(schema: S): StandardOutput<S>;
  /** The current snapshot: `{ version, values, sources }`. */
  snapshot(): Snapshot;
  /** Which source gave a path its value, and what it overrode. */
  explain<const A extends PathArgs>(...path: CheckArgs<Shape, A>): Explanation;
  /** Stops every watcher and source; afterwards reads answer the last snapshot and nothing keeps the process alive. */
  close(): Promise<void>;
}

/** The shape a config's `scan()` returns: the schema's output, or a plain record. */
export type ConfigShape<S> = S extends StandardSchemaV1 ? StandardOutput<S> : Record<string, unknown>;

/** The plain data at a watched path: the input type there, or any tree where that is not known. */
type PlainAt<Input, P extends string | readonly Segment[]> = unknown extends TypeAtPath<Input, P> ? Tree : TypeAtPath<Input, P>;

/** The config `createConfig<T>` gives: typed by the schema when `T` is one, else by `T` itself. */
export type ConfigFor<T> = [T] extends [StandardSchemaV1] ? Config<StandardOutput<T>, StandardInput<T>> : Config<T>;

const CONFIG_OPTIONS = optionNames<ConfigOptions>()(
  'schema', 'secret', 'decrypt', 'defaults', 'sources', 'expandEnv', 'env', 'encoders', 'maxBytes', 'maxDepth', 'maxValues', 'watch', 'readTimeout',
);
const WATCH_OPTIONS = optionNames<WatchOptions>()('signal');

/**
 * Creates a config: reads every source once (a failing one rejects, unless optional), then follows their changes.
 * With a `schema`, reads are typed by its output; `createConfig<Shape>()` types them by `Shape`, unvalidated.
 */
export async function createConfig<T = Record<string, unknown>>(
  options: ConfigOptions<[T] extends [StandardSchemaV1] ? T : undefined> = {},
): Promise<ConfigFor<T>> {
  options = checkOptionNames(options, CONFIG_OPTIONS, 'createConfig');
  const maxDepth = countOption(options.maxDepth, 'maxDepth') ?? 64;
  const maxBytes = countOption(options.maxBytes, 'maxBytes') ?? 16 * 1024 * 1024;
  const maxValues = countOption(options.maxValues, 'maxValues');
  const readTimeout = delayOption(options.readTimeout, 'readTimeout');
  const env = options.expandEnv === false ? undefined : (options.env ?? process.env);
  // Index by index, holes too: a string alone failed with an engine TypeError, a sparse array was walked for minutes.
  stringList(options.secret, 'secret');
  let shaped: boolean;
  try {
    shaped = options.defaults === undefined || isObject(options.defaults);
  } catch (error) {
    // A revoked Proxy throws even when asked whether it is an array: refused as what its reading throws is.
    throw toConfigError(error, 'INVALID_OPTION', 'defaults');
  }
  if (!shaped) throw new ConfigError('defaults must be an object of keys and values', { code: 'INVALID_OPTION' });
  let defaults: Tree;
  try {
    // Counted as every layer is: a sparse array of 2 ** 32 - 1 holes, or a 64 MiB buffer, is no default.
    defaults = normalize(options.defaults ?? {}, { maxDepth, transform: undefined, budget: sizeBudget(maxBytes, maxValues) });
  } catch (error) {
    throw toConfigError(error, 'INVALID_OPTION', 'defaults');
  }
  const encoders = checkEncoders(options.encoders);
  // The current view, handed over by the loader on every change: reading it through a getter would cost `get()`
  // (the hottest call of all) several nanoseconds each time.
  let view!: SnapshotView;
  // And its memo of dotted paths, held here too: a read that hits it is one Map lookup, with no call.
  let memo!: ReadonlyMap<string, Value>;
  const schema = options.schema;
  const loader = createLoader({
    defaults,
    env,
    encoders,
    limits: { maxBytes, maxDepth, maxValues },
    follow: options.watch,
    readTimeout,
    onView: (next) => {
      view = next;
      memo = next.memo;
    },
    check: schema ? (values, layers, secrets) => checkSchema(schema, values, layers, secrets) : undefined,
    secret: options.secret,
    decrypt: options.decrypt,
  });
  const listeners = createConfigListeners(loader);
  await loader.add(options.sources ?? []);
  const stopping = new AbortController();
  // Keys are followed like sources: not at all with `watch: false`.
  const keys = options.decrypt && options.watch !== false ? followKeys(options.decrypt, loader, stopping.signal) : undefined;

  // Paths and types are the compiler's business: at run time one untyped facade serves every shape.
  const config: Config = {
    // A plain function reading `arguments`: one dotted string (the common case) allocates no argument array.
    get: function get(path?: unknown): Value {
      if (arguments.length === 1 && typeof path === 'string') return memo.get(path) ?? view.lookupDotted(path);
      // eslint-disable-next-line prefer-rest-params
      return view.lookup(Array.prototype.slice.call(arguments) as unknown as PathArgs);
    } as Config['get'],
    watch(path?: string | readonly Segment[], watchOptions?: WatchOptions): never {
      const segments = path === undefined ? [] : pathSegments(path);
      if (watchOptions !== undefined) watchOptions = checkOptionNames(watchOptions, WATCH_OPTIONS, 'watch');
      const watcher = createWatcher(
        segments,
        {
          register: (handle) => loader.register(handle),
          // Called when the loader has just shown the new view: it knows the delivered change's secrets.
          present: (change) => hideSecrets(change, view.changeRedactor),
          // Called when the loader has just shown the new view: its output is the one of the delivered change.
          toValue: schema ? (current) => outputValueOf(current, getIn(view.validated as Tree, segments), segments) : undefined,
          onListenerError: (error, at) =>
            loader.report(new ConfigError(`a watcher of "${at}" threw`, { code: 'LISTENER', path: at, cause: error })),
        },
        watchOptions?.signal,
      );
      return watcher as never;
    },
    on(event, listener) {
      listeners.on(event, listener);
      return config;
    },
    off(event, listener) {
      listeners.off(event, listener);
      return config;
    },
    once(event, listener) {
      listeners.once(event, listener);
      return config;
    },
    load: (...sources) => loader.add(sources),
    sync: () => loader.sync(),
    async set(path, value) {
      const segments = pathSegments(path);
      let tree: Tree;
      try {
        tree = normalize(value, { maxDepth, transform: undefined, budget: sizeBudget(maxBytes, maxValues) });
      } catch (error) {
        throw toConfigError(error, 'INVALID_OPTION', 'set');
      }
      loader.override((overrides) => withSet(overrides, segments, tree, view.snapshot.values));
    },
    async delete(path) {
      const segments = pathSegments(path);
      loader.override((overrides) => withDelete(overrides, segments));
    },
    map: () => view.snapshot.values,
    bytes: () => new TextEncoder().encode(sortedJson(view.snapshot.values)),
    scan: ((given?: StandardSchemaV1) => {
      if (given) return view.lookup([]).scan(given);
      return schema ? copyOutput(view.validated) : cloneTree(view.snapshot.values);
    }) as Config['scan'],
    snapshot: () => view.snapshot,
    explain: (...path: PathArgs) => explainPath(view, toSegments(path)),
    async close() {
      stopping.abort();
      await keys;
      await loader.close();
      listeners.clear();
    },
  };
  views.set(config, () => view);
  return config as unknown as ConfigFor<T>;
}

// The views of the configs made here, for the command line (which prints values and decides what it reveals);
// not part of the public surface.
const views = new WeakMap<object, () => SnapshotView>();

/** The current view of a config made by `createConfig`: its values, layers, and what its printed forms hide. */
export function currentView(config: object): SnapshotView {
  const view = views.get(config);
  if (!view) throw new TypeError('not a config made by createConfig');
  return view();
}

/**
 * Runs the config's schema on a candidate; a refusal names every issue's path and the source of the value. A
 * schema's message may quote the value it refused (valibot's do): where that value is or holds a secret, or where
 * the message quotes a string of it, the message is withheld.
 */
function checkSchema(schema: StandardSchemaV1, values: TreeObject, layers: readonly Layer[], secrets: Redactor): { output: unknown } | ConfigError {
  let result;
  try {
    result = runSchema(schema, cloneTree(values));
  } catch (error) {
    return toConfigError(error, 'VALIDATION');
  }
  // Frozen once here, so every read's value() can share it.
  if (!result.issues) {
    try {
      return { output: freezeOutput(result.value) };
    } catch (error) {
      // A getter or a proxy of the output threw: its message is the schema's code's, and may quote a value.
      return new ConfigError("invalid configuration, not applied: the schema's output cannot be read (a getter or a proxy in it threw)", { code: 'VALIDATION', cause: error });
    }
  }
  const candidate = createView(createSnapshot(0, values, layers), layers);
  const issues: ConfigIssue[] = result.issues.map((issue) => {
    const segments = issueSegments(issue);
    const message = holdsSecret(secrets, values, segments) ? WITHHELD : issueMessage(issue.message, getIn(values, segments));
    return { path: segments.join('.'), message, source: explainPath(candidate, segments).source };
  });
  const lines = issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}${issue.source ? ` (from ${issue.source})` : ''}`);
  return new ConfigError(`invalid configuration, not applied: ${lines.join('; ')}`, { code: 'VALIDATION', issues });
}

/**
 * What an issue says in place of the schema's message where the value holds a secret. A schema's message may quote
 * the value it refused, whole or in part, in any form (valibot's do): scrubbing known forms out of free text misses
 * some and mangles the rest, so the message is not shown at all.
 */
const WITHHELD = 'invalid value (the schema\'s message is withheld: the value holds a secret)';

/** True when the value at `segments` is secret or holds a secret somewhere below it. */
function holdsSecret(secrets: Redactor, values: TreeObject, segments: readonly string[]): boolean {
  if (secrets.empty) return false;
  if (secrets.isSecret(segments)) return true;
  const value = getIn(values, segments);
  return value !== null && typeof value === 'object' && !deepEqual(secrets.redact(value, segments), value);
}
