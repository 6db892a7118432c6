import { ConfigError } from '../errors.ts';
import { isHostileKey } from '../reader/tree.ts';
import { formatName } from './index.ts';
import type { Encoder, EncoderLimits, Encoders } from './user.ts';

// A format name or extension: what `extname` can give, so no dot; `object` names decoded data in a change set.
const NAME = /^[a-z0-9][a-z0-9_+-]{0,63}$/;

/** Where an `encoders` option was given, for its errors. */
export interface EncodersOption {
  /** The source it belongs to, if not the config. */
  readonly source?: string | undefined;
}

/**
 * Checks an `encoders` option and returns it ready for lookups: a frozen record without prototype, by lower-case
 * name, each encoder's extensions in lower case without their dot. Throws a ConfigError (INVALID_OPTION) for a name
 * or extension that is not one, an encoder without `decode`, an extension two encoders claim, and an extension of a
 * built-in format claimed by an encoder of another name (replacing a built-in format is done by its name).
 */
export function checkEncoders(encoders: unknown, where: EncodersOption = {}): Encoders | undefined {
  if (encoders === undefined) return undefined;
  const fail = (message: string): never => {
    throw new ConfigError(`encoders: ${message}`, { code: 'INVALID_OPTION', source: where.source });
  };
  if (typeof encoders !== 'object' || encoders === null || Array.isArray(encoders)) fail('expected an object of encoders by format name');
  const checked: Record<string, Encoder> = Object.create(null) as Record<string, Encoder>;
  // Each name and extension, to the name that claims it.
  const claims = new Map<string, string>();
  const claim = (key: string, name: string) => {
    const other = claims.get(key);
    if (other !== undefined) fail(other === name ? `"${name}" is given twice` : `"${key}" is claimed by both "${other}" and "${name}"`);
    claims.set(key, name);
  };
  for (const [given, encoder] of Object.entries(encoders as Record<string, unknown>)) {
    const name = formatKey(given, fail);
    // A built-in format is replaced by its name only, so that one encoder holds all of its extensions.
    const replaced = formatName(name);
    if (replaced !== undefined && replaced !== name) {
      fail(`"${name}" is an extension of the built-in format ${replaced}: to replace that format, name the encoder "${replaced}"`);
    }
    claim(name, name);
    const decode = (encoder as { decode?: unknown } | null | undefined)?.decode;
    if (typeof decode !== 'function') fail(`"${name}" has no decode(bytes) function`);
    const listed: unknown = (encoder as Encoder).extensions;
    if (listed !== undefined && !Array.isArray(listed)) fail(`the extensions of "${name}" must be an array of strings`);
    const extensions: string[] = [];
    for (const extension of (listed as unknown[] | undefined) ?? []) {
      if (typeof extension !== 'string') fail(`the extensions of "${name}" must be an array of strings`);
      const key = formatKey((extension as string).startsWith('.') ? (extension as string).slice(1) : (extension as string), fail);
      if (key === name || extensions.includes(key)) continue;
      const builtin = formatName(key);
      if (builtin !== undefined) {
        fail(`"${name}" lists the extension "${key}" of the built-in format ${builtin}: to replace that format, name the encoder "${builtin}"`);
      }
      claim(key, name);
      extensions.push(key);
    }
    const user = encoder as Encoder;
    // Called as a method of the encoder given: a class instance's decode keeps its `this`.
    checked[name] = Object.freeze({ decode: (bytes: Uint8Array, limits: EncoderLimits) => user.decode(bytes, limits), extensions: Object.freeze(extensions) });
  }
  return Object.freeze(checked);
}

function formatKey(given: string, fail: (message: string) => never): string {
  const key = given.toLowerCase();
  if (!NAME.test(key) || key === 'object' || isHostileKey(key)) {
    fail(`"${given.slice(0, 64)}" is not a format name or extension (letters, digits, "_", "+" and "-"; not "object")`);
  }
  return key;
}

/**
 * The format a name or extension stands for in the encoders given (checked ones, in order of precedence: a
 * source's own, then its config's), by an encoder's name or one of its extensions; undefined when none claims it.
 */
export function claimedFormat(nameOrExtension: string, tables: readonly (Encoders | undefined)[]): string | undefined {
  const key = nameOrExtension.toLowerCase();
  for (const table of tables) {
    if (table === undefined) continue;
    if (Object.hasOwn(table, key)) return key;
    for (const name of Object.keys(table)) if (table[name]!.extensions?.includes(key)) return name;
  }
  return undefined;
}

/** The user's encoder for a format name: the first of the tables registered under it; undefined for a built-in one. */
export function encoderFor(format: string, tables: readonly (Encoders | undefined)[]): Encoder | undefined {
  const key = format.toLowerCase();
  for (const table of tables) if (table !== undefined && Object.hasOwn(table, key)) return table[key];
  return undefined;
}

/** A format as a source or the loader resolved it: its name, and the user's encoder that decodes it, if any. */
export interface ResolvedFormat {
  /** The format's name (`yaml` for `yml`; a user's encoder's name for one of its extensions). */
  readonly format: string;
  /** The user's encoder; undefined for a built-in format. */
  readonly encoder: Encoder | undefined;
}

/**
 * Resolves a format name or file extension: a user's encoder that claims it, else a built-in format (`yml` →
 * `yaml`). An encoder registered under a built-in name replaces it wherever it is used: `yaml` decodes `.yml` too.
 * Undefined when nothing decodes it.
 */
export function resolveFormat(nameOrExtension: string, tables: readonly (Encoders | undefined)[]): ResolvedFormat | undefined {
  const format = claimedFormat(nameOrExtension, tables) ?? formatName(nameOrExtension);
  return format === undefined ? undefined : { format, encoder: encoderFor(format, tables) };
}
