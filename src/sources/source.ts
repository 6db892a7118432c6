import type { AbortSignalLike } from '../abort-signal.ts';
import type { Encoder, Encoders } from '../encoders/user.ts';
import { onFirstUse } from '../on-first-use.ts';

/** Decoded data handed over by a source that needs no encoder (memory, env, flags). */
export type ChangeSetObject = Readonly<Record<string, unknown>>;

/** Where one path of a change set came from inside its source (an env var, a flag, a KV key). */
export interface Origin {
  /** The path (its segments) the origin supplied; paths below it came from it too. */
  readonly path: readonly string[];
  /** What supplied it: `MICRO_REGISTRY`, `--registry`, `config/app/registry`. */
  readonly origin: string;
  /** The value there is a secret (a secret file, a `_FILE` variable's file): never printed, like a decrypted one. */
  readonly secret?: boolean | undefined;
}

/** One reading of a source: its data, how to decode it, and where it came from. */
export interface ChangeSet {
  /** Raw text or bytes to decode by `format`, or already-decoded data when `format` is `object`. */
  data: Uint8Array | string | ChangeSetObject;
  /** The encoder's name (`json`, `yaml`, `toml`, `dotenv`), or `object` for decoded data. */
  format: string;
  /** Hex digest of the data (MD5, as Go Config); the loader skips a change set equal to the source's previous one. */
  checksum: string;
  /** The source's name. */
  source: string;
  /** When the data was read or last modified (ms since the epoch). */
  timestamp: number;
  /** Where each path came from inside the source, for `explain`; absent for a single document. */
  origins?: readonly Origin[] | undefined;
  /**
   * Whether `${VAR}` is expanded in its string values (the config's `expandEnv: false` turns it off for all).
   * Absent: yes for a document (text decoded by `format`), no for decoded data (`object`), whose values are
   * literal. Files and memory sources expand; the environment, flags, Consul and etcd do not unless asked.
   */
  expand?: boolean | undefined;
  /**
   * The encoder that decodes `data`, when the source brings its own for `format` (its `encoders` option); without
   * it, `format` is looked up in the config's `encoders`, then among the built-in formats.
   */
  encoder?: Encoder | undefined;
}

/**
 * The limits and formats of the config that reads a source. A source that reads bytes stops at `maxBytes` rather
 * than read a larger file or value whole; one that builds a tree refuses a path deeper than `maxDepth`; one that
 * picks a format by extension knows the config's `encoders`. A source remembers the last options it was given, for
 * the reads its watch makes on its own.
 */
export interface ReadOptions {
  /** Largest document or layer accepted, in bytes (default 16 MiB). */
  readonly maxBytes?: number | undefined;
  /** Deepest nesting accepted (default 64). */
  readonly maxDepth?: number | undefined;
  /** Most values (objects, arrays and leaves) a layer may hold (default 100,000). */
  readonly maxValues?: number | undefined;
  /**
   * The config's `encoders`, by lower-case name (checked): a source that resolves a format by name or extension
   * looks here after its own encoders and before the built-in formats.
   */
  readonly encoders?: Encoders | undefined;
}

/** A place configuration comes from. Only `name` and `read()` are required; without `watch()` it is static. */
export interface Source {
  /** Used in events, errors and `explain` (`file:config.yaml`, `env`, `consul:config/app`). */
  readonly name: string;
  /** A place that is missing or cannot be reached is an empty layer (with an `error` event); one read and wrong still fails. */
  readonly optional?: boolean | undefined;
  /**
   * Reads the whole place now, within the config's limits; the signal aborts when the read is no longer wanted (its
   * deadline, a close).
   */
  read(signal?: AbortSignalLike, limits?: ReadOptions): Promise<ChangeSet>;
  /** Yields a new change set whenever the place changes; ends when the signal aborts or the source closes. */
  watch?(signal?: AbortSignalLike): AsyncIterable<ChangeSet>;
  /** Writes a change set back to the place, where the place allows it. */
  write?(changeSet: ChangeSet): Promise<void>;
  /**
   * Told when one of its change sets became part of a published configuration (it decoded and passed the
   * config's schema): what a last-known-good cache should keep. Never told about a refused one.
   */
  accepted?(changeSet: ChangeSet): void;
  /** Releases every resource the source holds (watchers, sockets, timers). */
  close?(): Promise<void>;
}

/**
 * How a source tells, ahead of its watch, of a change set it is about to yield (a file source reads at an event while
 * its debounce runs): `listen` hears each such change set, and undefined when the one told before will not come
 * after all. A change set told ahead is yielded later as this very object, or not at all; the config decodes it
 * meanwhile and publishes it only when the watch yields it.
 */
export const READ_AHEAD = Symbol('readAhead');

/** A source that tells of change sets ahead of its watch (see `READ_AHEAD`); returns how to stop listening. */
export interface ReadsAhead {
  [READ_AHEAD](listen: (changeSet: ChangeSet | undefined) => void): () => void;
}

/** Options every source factory takes. */
export interface SourceOptions {
  /** The source's name in events, errors and `explain`. */
  name?: string | undefined;
  /** Treat a place that is missing or cannot be reached as an empty layer instead of failing `createConfig`/`load`. */
  optional?: boolean | undefined;
  /**
   * Follow the place's changes (default true). `false` reads it when loaded and on `sync()` only: no watcher, no
   * connection kept open for changes (Go Config's `WithWatcherDisabled`).
   */
  watch?: boolean | undefined;
}

/** A source as its `watch` option asks: without `watch()` when it is false. */
export function applyWatchOption<S extends Source>(source: S, options: Pick<SourceOptions, 'watch'>): S {
  if (options.watch !== false) return source;
  const { watch: _watch, ...rest } = source;
  return rest as S;
}

/** Builds a change set; its checksum is computed when first asked for (a first read never needs it). */
export function createChangeSet(
  source: string,
  format: string,
  data: ChangeSet['data'],
  timestamp = Date.now(),
  origins?: readonly Origin[],
  expand?: boolean,
): ChangeSet {
  const changeSet = { data, format, source, timestamp, origins, expand } as ChangeSet;
  return Object.defineProperty(changeSet, 'checksum', { get: lazyChecksum, enumerable: true, configurable: true });
}

// Each change set's digest, once asked for.
const digests = new WeakMap<ChangeSet, string>();

/**
 * The `checksum` getter of every change set: one function for all. A getter written in each object literal is a
 * new function per object, and the engine gives each such object a hidden class of its own, which the class it
 * came from keeps until a full collection; each young collection until then copied every change set made since,
 * data and all (a file's text each reload: 1.3 MB and 6-27 ms per collection, 45 reloads of 21 KB apart).
 */
function lazyChecksum(this: ChangeSet): string {
  let digest = digests.get(this);
  if (digest === undefined) digests.set(this, (digest = checksum(this.data)));
  return digest;
}

/** A text or bytes up to this size is kept whole to be compared; a longer one by its size and checksum (bytes). */
const KEPT_WHOLE = 1024 * 1024;

/** What stands for a large text or bytes once handed over: their kind, their size and their checksum. */
export interface DataDigest {
  readonly kind: 'text' | 'bytes';
  /** Characters of a text, bytes of bytes. */
  readonly size: number;
  readonly checksum: string;
}

/** What is kept of a change set to tell whether a later one holds the same data (`sameData`). */
export type KeptData = ChangeSet | DataDigest;

/**
 * What a source or the loader keeps of a change set it handed on, to tell whether a later one holds the same data:
 * the change set, or for a text or bytes over 1 MiB their digest. The data itself is then not held beside the next
 * (a 16 MiB file reloaded held its last bytes beside the new ones and the decoding thread's), at the cost of one
 * checksum of each large text or bytes, taken here.
 */
export function keepData(changeSet: ChangeSet): KeptData {
  const shape = shapeOf(changeSet.data);
  if (shape === undefined || shape.size <= KEPT_WHOLE) return changeSet;
  return { ...shape, checksum: changeSet.checksum };
}

/** The kind and size of a text or bytes (as a digest records them); undefined for decoded data. */
function shapeOf(data: ChangeSet['data']): Pick<DataDigest, 'kind' | 'size'> | undefined {
  if (typeof data === 'string') return { kind: 'text', size: data.length };
  return data instanceof Uint8Array ? { kind: 'bytes', size: data.byteLength } : undefined;
}

/** Whether what was kept is the change set itself, its data included. */
export function isChangeSet(kept: KeptData): kept is ChangeSet {
  return Object.hasOwn(kept, 'data');
}

// Bytes their source holds no more and no one else holds (see `handOver`).
const handedOverBytes = new WeakSet<Uint8Array>();

/**
 * Marks bytes that their source made for the change set and keeps no reference to (a file's read, kept as a
 * `DataDigest`): whoever decodes the change set may take them over, moving them to another thread rather than
 * copying them, once it has kept what it needs of the change set (`keepData`). Afterwards the change set's data may
 * be empty.
 */
export function handOver<T extends Uint8Array>(bytes: T): T {
  handedOverBytes.add(bytes);
  return bytes;
}

/** Whether bytes were handed over by their source (`handOver`). */
export function isHandedOver(data: unknown): data is Uint8Array {
  return data instanceof Uint8Array && handedOverBytes.has(data);
}

/**
 * True when a change set holds the data of another, or of what was kept of it. Texts and bytes are compared as they
 * are (a file rewritten at the same size is not hashed twice to tell), or, against a digest, by size, then by
 * checksum; decoded objects by size, then by checksum.
 */
export function sameData(a: KeptData, b: ChangeSet): boolean {
  if (!isChangeSet(a)) {
    const shape = shapeOf(b.data);
    return shape?.kind === a.kind && shape.size === a.size && b.checksum === a.checksum;
  }
  if (a.data === b.data) return true;
  if (typeof a.data === 'string' && typeof b.data === 'string') return false;
  if (a.data instanceof Uint8Array && b.data instanceof Uint8Array) return Buffer.compare(a.data, b.data) === 0;
  const size = (data: ChangeSet['data']) => (typeof data === 'string' ? data.length : data instanceof Uint8Array ? data.byteLength : -1);
  const sizeA = size(a.data);
  if (sizeA !== -1 && size(b.data) !== -1 && (sizeA !== size(b.data) || typeof a.data !== typeof b.data)) return false;
  return a.checksum === b.checksum;
}

// Change detection, not security: MD5 (Go Config's choice) is the cheapest digest node ships, where FIPS allows it.
// node:crypto is loaded with the first change set, not when microconf is imported.
const crypto = onFirstUse<typeof import('node:crypto')>('node:crypto');
let algorithm: 'md5' | 'sha256' | undefined;

function digestAlgorithm(): 'md5' | 'sha256' {
  if (algorithm) return algorithm;
  try {
    crypto().createHash('md5');
    algorithm = 'md5';
  } catch {
    algorithm = 'sha256';
  }
  return algorithm;
}

function checksum(data: ChangeSet['data']): string {
  const hash = crypto().createHash(digestAlgorithm());
  if (typeof data === 'string' || data instanceof Uint8Array) hash.update(data);
  else hash.update(JSON.stringify(data, (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value)) ?? '');
  return hash.digest('hex');
}
