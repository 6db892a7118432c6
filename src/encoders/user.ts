import { ConfigError } from '../errors.ts';
import { normalize, type NormalizeOptions, type Tree } from '../reader/tree.ts';
import { isBlank } from './blank.ts';

/** The limits of the config a document is decoded for, handed to an `Encoder` so that it can stop early. */
export interface EncoderLimits {
  /** What the decoded layer may hold, counted about as its JSON text would be (`maxBytes`). */
  readonly maxBytes: number;
  /** Deepest nesting of objects and arrays accepted (`maxDepth`). */
  readonly maxDepth: number;
}

/**
 * A format of your own (Go Config's `encoder.Encoder`): decodes a document's bytes into data.
 *
 * **When to use**: a format microconf does not decode (INI, HCL, CUE, MessagePack, an in-house one), or a built-in one
 * decoded another way (`yaml` with YAML 1.1 booleans, `json` with big integers kept as text). Register it by name with
 * `createConfig({ encoders: { ini: iniEncoder } })` for every source of that config, or on one file, memory,
 * Consul or etcd source or a node-config directory (`encoders` option, Go's `source.WithEncoder`).
 *
 * **Details**: the name it is registered under is its format name and a file extension (`ini` decodes `app.ini`, a
 * Consul key `app/db.ini`, and `memorySource(text, { format: 'ini' })`); `extensions` adds more. Names and
 * extensions are case-insensitive. `decode` is given the document's exact bytes (a copy of its own, never a UTF-8
 * text: a binary format is not text; `new TextDecoder().decode(bytes)` gives the text, and drops a byte order mark)
 * and returns the data: an object (or `null` for an empty layer) for a whole document; any value for a Consul or
 * etcd key. What it returns is copied into a frozen tree exactly as a built-in format's data is: keys named
 * `__proto__`, `constructor` and `prototype` dropped; class instances become plain objects of their own enumerable
 * fields, dates ISO text, bytes base64 text, a Map an object and a Set a list; functions, symbols and `undefined`
 * are dropped; the whole is held to `maxBytes` and `maxDepth` (a cyclic result is refused as too deep); `${VAR}` is
 * expanded where the source expands it. A blank document (only spaces, tabs and line ends) is an empty layer and is
 * not handed to `decode`.
 *
 * **Gotchas**: `decode` is synchronous (a returned promise is an error) and runs on the config's thread: it is
 * trusted code, bounded in what it hands back, not in the time or memory it takes (use `limits` to stop early).
 * Returning `undefined` is an error (a forgotten `return`); return `null` for an empty layer. Whatever it throws
 * becomes a `DECODE` error (`LIMIT` for a `ConfigError` of that code) naming the source, the format and the
 * error's type, and the line and column of a `ConfigError` that has them; never its message or `cause`, since a
 * parser's message may quote the document (a secret in it, printed to a log).
 */
export interface Encoder {
  /** Decodes one document; throws (ideally a `ConfigError` with code `DECODE` and a position) when it is invalid. */
  decode(bytes: Uint8Array, limits: EncoderLimits): unknown;
  /** More file extensions (and format names) it answers to besides its name, without the dot: `['yml']`. */
  readonly extensions?: readonly string[] | undefined;
}

/** Encoders by format name (`{ ini: iniEncoder }`): `createConfig`'s and the sources' `encoders` option. */
export type Encoders = Readonly<Record<string, Encoder>>;

/** An ECMAScript identifier-like name of an error type, safe to print (anything else is not printed). */
const ERROR_NAME = /^[A-Za-z_$][\w$]{0,63}$/;

/**
 * Decodes a document (`whole`: its result must be an object or null) or one key-value store value (any data) with a
 * user's encoder into a tree (unfrozen, for the loader to share), with the same normalization and limits as a
 * built-in format. Whatever it throws or returns that is unusable becomes a ConfigError that quotes nothing of the
 * document or of the encoder's own error.
 */
export function decodeWithEncoder(
  format: string,
  encoder: Encoder,
  bytes: Uint8Array,
  options: NormalizeOptions & { maxBytes: number; whole: boolean },
): Tree {
  if (isBlank(bytes)) return null;
  let result: unknown;
  try {
    // A copy of its own: the source's bytes are compared with the next read's, and must not change meanwhile.
    result = encoder.decode(bytes.slice(), { maxBytes: options.maxBytes, maxDepth: options.maxDepth });
  } catch (error) {
    throw thrownError(format, error);
  }
  if (result === undefined) {
    throw new ConfigError(`the ${format} encoder returned undefined (return null for an empty layer)`, { code: 'DECODE' });
  }
  if (isThenable(result)) {
    // Nothing waits for it: a rejection later must not be left unhandled.
    Promise.resolve(result).catch(() => {});
    throw new ConfigError(`the ${format} encoder returned a promise; decode must be synchronous`, { code: 'DECODE' });
  }
  const refused = refusedResult(result, options.whole);
  if (refused !== undefined) throw new ConfigError(`the ${format} encoder returned ${refused}`, { code: 'DECODE' });
  try {
    // Copied, never frozen or changed in place: the encoder may hand out an object it keeps (a cache, a constant).
    return normalize(result, { maxDepth: options.maxDepth, transform: options.transform, budget: options.budget, owned: false, freeze: false });
  } catch (error) {
    // Copying runs the result's getters and proxy traps: what they throw is the encoder's, not a limit of ours.
    throw limitError(error) ?? thrownError(format, error);
  }
}

// What copying a result throws of its own accord (reader/tree.ts, reader/budget.ts, reader/expand.ts): messages
// that quote nothing. Anything else thrown meanwhile came from the result's own code.
// `\u2026` is the ellipsis (…), escaped so that the bundle stays ASCII (see scripts/build.ts).
const OWN_MESSAGE =
  /^(?:nesting deeper than \d+ levels|the layer holds more than \d+ bytes \(maxBytes\), counting its keys and values as decoded and expanded|expanding \$\{\u2026\} would make a value longer than \d+ characters|a map key is not a scalar|two keys of a map have the same text)$/;

/** A limit met while copying a result, as a fresh error; undefined for anything else. */
function limitError(error: unknown): ConfigError | undefined {
  try {
    if (error instanceof ConfigError && typeof error.detail === 'string' && OWN_MESSAGE.test(error.detail)) {
      return new ConfigError(error.detail, { code: error.code === 'LIMIT' ? 'LIMIT' : 'DECODE' });
    }
  } catch {
    // A proxy whose traps throw: the encoder's.
  }
  return undefined;
}

/** Why a decoder's result is not data, or undefined when it is: a function or symbol is nothing, a document is an object. */
function refusedResult(result: unknown, whole: boolean): string | undefined {
  if (typeof result === 'function' || typeof result === 'symbol') return `a ${typeof result}, not data`;
  if (!whole || result === null || (typeof result === 'object' && !Array.isArray(result))) return undefined;
  return `${Array.isArray(result) ? 'an array' : `a ${typeof result}`}, not an object (a document is an object, or null when empty)`;
}

function isThenable(value: unknown): boolean {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * What an encoder threw, as a ConfigError quoting none of it: its type, and a ConfigError's code (LIMIT, else
 * DECODE) and position. Reading a thrown value runs its getters and proxy traps: what they throw is described by kind.
 */
function thrownError(format: string, error: unknown): ConfigError {
  let code: 'DECODE' | 'LIMIT' = 'DECODE';
  let position: { line: number; column: number } | undefined;
  try {
    if (error instanceof ConfigError) {
      if (error.code === 'LIMIT') code = 'LIMIT';
      const { line, column } = error;
      if (isCount(line)) position = { line, column: isCount(column) ? column : 1 };
    }
  } catch {
    // A proxy whose traps throw: described by its type below.
  }
  return new ConfigError(`the ${format} encoder threw ${describeThrown(error)} (its message is not kept: it may quote the document)`, {
    code,
    position,
  });
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** What was thrown, by kind only: an error type's name (when it is a plain name), or the value's type. */
function describeThrown(error: unknown): string {
  try {
    if (error instanceof Error) {
      const name: unknown = error.name;
      return typeof name === 'string' && ERROR_NAME.test(name) ? name : 'an Error';
    }
  } catch {
    return 'an object';
  }
  if (error === null || error === undefined) return String(error);
  return typeof error === 'object' ? 'an object' : `a ${typeof error}`;
}
