import { ConfigError } from '../errors.ts';
import { isInt64, parseBool, parseDuration, parseFloat64, parseInt64 } from './convert.ts';
import { formatPath, namesNothing, toSegments, type PathArgs } from './path.ts';
import type { CheckArgs, ReadonlyDeep, TypeAt } from './paths.ts';
import { issueMessage } from './issue-message.ts';
import { cloneTree, getIn, isObject, sortedJson, type Tree } from './tree.ts';

/** The Standard Schema interface (v1), enough of it to validate and read the result type. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The schema's standard properties. */
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

/** The result of a Standard Schema validation. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardIssue[] };

/** One problem a Standard Schema found. */
export interface StandardIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where, as keys or `{ key }` segments. */
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/**
 * A read-only view of one node of a snapshot, with typed accessors that fall back to a default. `T` is the node's
 * type where the config has one (a schema's output, or the shape given to `createConfig<Shape>()`).
 */
export interface Value<T = unknown> {
  /** False for a missing key and for null. */
  exists(): boolean;
  /** A boolean, or a string in Go's ParseBool grammar; otherwise `def`. */
  bool(def?: boolean): boolean;
  /** An integral number in int64 range, or a string in Go's Atoi grammar; otherwise `def`. */
  int(def?: number): number;
  /** A number, or a string in Go's ParseFloat grammar; otherwise `def`. */
  float(def?: number): number;
  /** A string as it is, a number or boolean as text; otherwise `def`. */
  string(def?: string): string;
  /** Milliseconds: a Go duration string (`"1h30m"`), or a number taken as milliseconds; otherwise `def`. */
  duration(def?: number): number;
  /** An array of scalars as text, or a comma-separated string split and trimmed; otherwise `def`. */
  stringSlice(def?: readonly string[]): string[];
  /** An object's values as text (objects and arrays as JSON, null as ""); otherwise `def`. */
  stringMap(def?: Readonly<Record<string, string>>): Record<string, string>;
  /** A deep, mutable copy of the node; `def` when missing. */
  scan<T = unknown>(def?: T): T;
  /** The node validated (and coerced) by a Standard Schema; throws a ConfigError listing the issues. */
  scan<S extends StandardSchemaV1>(schema: S): StandardOutput<S>;
  /** A string's UTF-8 bytes, otherwise the node as JSON with sorted keys (`null` when missing). */
  bytes(): Uint8Array;
  /** The frozen node itself (shared, never copied); undefined when missing. */
  raw(): Tree | undefined;
  /**
   * The frozen node itself, or a ConfigError (code `MISSING`) naming the path when it is missing or null: the
   * strictness of node-config's `config.get(path)`, for a value the program cannot run without.
   */
  required(): Tree;
  /**
   * The node as the config types it. With a schema: the schema's output at this path, as validated (coerced,
   * defaults filled in, transforms applied), so `"8080"` from the environment reads as `8080` through
   * `z.coerce.number()`. Without one: the merged node itself. Either way frozen and shared, never copied
   * (`scan()` gives a copy of your own); undefined when missing.
   */
  value(): ReadonlyDeep<T>;
  /** The value at a path below this one, with the same grammar (and, for a typed value, the same checks) as `config.get`. */
  get<const A extends PathArgs>(...path: CheckArgs<T, A>): Value<TypeAt<T, A>>;
}

/** The output type of a Standard Schema. */
export type StandardOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : unknown;

/** The input type of a Standard Schema: what it accepts. */
export type StandardInput<S> = S extends StandardSchemaV1<infer I, unknown> ? I : unknown;

const encoder = new TextEncoder();

// A class rather than a closure: a Value is created for every path read, and prototype methods cost nothing per
// instance, where a closure would allocate a dozen functions each time. Its fields are private and its printed
// forms (JSON.stringify, console.log, String) show only its kind: a Value handed to a watcher or logged by a
// handler never prints what it holds, which may be a secret. Reading it (`scan()`, `raw()`) is explicit.
class TreeValue implements Value {
  readonly #node: Tree | undefined;
  /** Where the node sits, for `required()`'s error; the root's segments when the path is unknown. */
  readonly #segments: readonly string[];
  /** What `value()` answers: the node itself, or the schema's output at the same path. */
  readonly #output: unknown;

  constructor(node: Tree | undefined, segments: readonly string[], output: unknown) {
    this.#node = node;
    this.#segments = segments;
    this.#output = output;
  }

  toString(): string {
    const node = this.#node;
    const kind = node === undefined ? 'missing' : node === null ? 'null' : Array.isArray(node) ? 'array' : typeof node;
    return `[Value ${kind}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  exists(): boolean {
    return this.#node !== undefined && this.#node !== null;
  }

  bool(def = false): boolean {
    const node = this.#node;
    if (typeof node === 'boolean') return node;
    if (typeof node === 'string') return parseBool(node) ?? def;
    return def;
  }

  int(def = 0): number {
    const node = this.#node;
    if (typeof node === 'number') return isInt64(node) ? node : def;
    if (typeof node === 'string') return parseInt64(node) ?? def;
    return def;
  }

  float(def = 0): number {
    const node = this.#node;
    if (typeof node === 'number') return node;
    if (typeof node === 'string') return parseFloat64(node) ?? def;
    return def;
  }

  string(def = ''): string {
    const node = this.#node;
    if (typeof node === 'string') return node;
    if (typeof node === 'number' || typeof node === 'boolean') return String(node);
    return def;
  }

  duration(def = 0): number {
    const node = this.#node;
    if (typeof node === 'string') return parseDuration(node) ?? def;
    if (typeof node === 'number') return Number.isFinite(node) ? node : def;
    return def;
  }

  stringSlice(def: readonly string[] = []): string[] {
    const node = this.#node;
    if (typeof node === 'string') return node === '' ? [] : node.split(',').map((item) => item.trim());
    if (!Array.isArray(node)) return [...def];
    const out: string[] = [];
    for (const item of node as readonly Tree[]) {
      if (item === null) out.push('');
      else if (typeof item === 'object') return [...def];
      else out.push(String(item));
    }
    return out;
  }

  stringMap(def: Readonly<Record<string, string>> = {}): Record<string, string> {
    const node = this.#node;
    if (!isObject(node)) return { ...def };
    const out: Record<string, string> = {};
    for (const key of Object.keys(node)) {
      const item = node[key]!;
      out[key] = item === null ? '' : typeof item === 'object' ? sortedJson(item) : String(item);
    }
    return out;
  }

  scan(defOrSchema?: unknown): never {
    if (isStandardSchema(defOrSchema)) return validate(defOrSchema, cloneTree(this.#node)) as never;
    return (this.#node === undefined ? defOrSchema : cloneTree(this.#node)) as never;
  }

  bytes(): Uint8Array {
    return encoder.encode(typeof this.#node === 'string' ? this.#node : sortedJson(this.#node));
  }

  raw(): Tree | undefined {
    return this.#node;
  }

  required(): Tree {
    if (this.#node === undefined || this.#node === null) {
      if (namesNothing(this.#segments)) throw new ConfigError('a value is required, at a path that could not be read', { code: 'MISSING' });
      const path = formatPath(this.#segments);
      throw new ConfigError(`a value is required at "${path}"`, { code: 'MISSING', path });
    }
    return this.#node;
  }

  value(): never {
    return this.#output as never;
  }

  // Typed as the interface's generic signature says; at run time one path walk serves every type.
  get(...path: PathArgs): never {
    const below = toSegments(path);
    const node = getIn(this.#node, below);
    // Below a path that could not be read, or through one, is a path that could not be read.
    const segments = namesNothing(below) ? below : namesNothing(this.#segments) || below.length === 0 ? this.#segments : [...this.#segments, ...below];
    if (this.#output === this.#node) return valueOf(node, segments) as never;
    return outputValueOf(node, getIn(this.#output as Tree, below), segments) as never;
  }
}

const ROOT: readonly string[] = Object.freeze([]);

/** A Value over a tree node (or a missing one) found at `segments`. */
export function valueOf(node: Tree | undefined, segments: readonly string[] = ROOT): Value {
  return new TreeValue(node, segments, node);
}

/** A Value over a tree node whose `value()` is a schema's output at the same path (frozen by `freezeOutput`). */
export function outputValueOf(node: Tree | undefined, output: unknown, segments: readonly string[] = ROOT): Value {
  return new TreeValue(node, segments, output);
}

/**
 * Freezes a schema's output where it is plain data (arrays and plain objects), so `value()` can share it. Instances
 * a transform made (a Date, a URL, a client) are left as they are: freezing one could break its own methods.
 */
export function freezeOutput<T>(output: T): T {
  if (typeof output !== 'object' || output === null || Object.isFrozen(output)) return output;
  if (Array.isArray(output)) {
    Object.freeze(output);
    for (const item of output as unknown[]) freezeOutput(item);
    return output;
  }
  const prototype = Object.getPrototypeOf(output) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return output;
  // Frozen before its children: a cycle a transform built ends at a node already frozen.
  Object.freeze(output);
  for (const key of Object.keys(output)) freezeOutput((output as Record<string, unknown>)[key]);
  return output;
}

/**
 * A mutable copy of a schema's output for `scan()`: arrays and plain objects are copied, and so are the Dates, Maps,
 * Sets and typed arrays in them; any other instance a transform made (a URL, a client, a function) is the same
 * instance. `structuredClone` made a URL or a class's instance `{}` and threw on a function. A cycle stays a cycle.
 */
export function copyOutput<T>(output: T): T {
  return copyOutputNode(output, new Map()) as T;
}

function copyOutputNode(value: unknown, copies: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const done = copies.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    copies.set(value, out);
    for (const item of value as unknown[]) out.push(copyOutputNode(item, copies));
    return out;
  }
  if (value instanceof Date) return keep(copies, value, new Date(value.getTime()));
  if (value instanceof Map) {
    const out = keep(copies, value, new Map<unknown, unknown>());
    for (const [key, item] of value as Map<unknown, unknown>) out.set(copyOutputNode(key, copies), copyOutputNode(item, copies));
    return out;
  }
  if (value instanceof Set) {
    const out = keep(copies, value, new Set<unknown>());
    for (const item of value as Set<unknown>) out.add(copyOutputNode(item, copies));
    return out;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return keep(copies, value, (value as unknown as Uint8Array).slice());
  const prototype = Object.getPrototypeOf(value) as unknown;
  if (prototype !== Object.prototype && prototype !== null) return value;
  const out = keep(copies, value, Object.create(prototype) as Record<string, unknown>);
  for (const key of Object.keys(value)) {
    // Defined, not assigned: an own `__proto__` key stays a key, never the copy's prototype.
    Object.defineProperty(out, key, { value: copyOutputNode((value as Record<string, unknown>)[key], copies), writable: true, enumerable: true, configurable: true });
  }
  return out;
}

function keep<C>(copies: Map<object, unknown>, value: object, copy: C): C {
  copies.set(value, copy);
  return copy;
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && '~standard' in value;
}

/** Runs a Standard Schema synchronously; throws a ConfigError if it validates asynchronously. */
export function runSchema<S extends StandardSchemaV1>(schema: S, input: unknown): StandardResult<StandardOutput<S>> {
  const result = schema['~standard'].validate(input);
  if (result instanceof Promise) {
    // Swallow the rejection of a promise nobody will await.
    result.catch(() => {});
    throw new ConfigError('the schema validates asynchronously; microconf needs a synchronous schema', {
      code: 'VALIDATION',
    });
  }
  return result as StandardResult<StandardOutput<S>>;
}

/** Validates a plain value with a Standard Schema, synchronously; throws a ConfigError naming every issue. */
export function validate<S extends StandardSchemaV1>(schema: S, input: unknown): StandardOutput<S> {
  const result = runSchema(schema, input);
  if (result.issues) {
    const lines = result.issues.map((issue) => {
      const segments = issueSegments(issue);
      return `${segments.join('.') || '(root)'}: ${issueMessage(issue.message, getIn(input as Tree, segments))}`;
    });
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`, { code: 'VALIDATION' });
  }
  return result.value;
}

/** An issue's path as segments. */
export function issueSegments(issue: StandardIssue): string[] {
  return (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment));
}
