import { ConfigError, type ErrorPosition } from '../errors.ts';
import { DEFAULT_MAX_BYTES } from '../reader/budget.ts';
import { normalize, type NormalizeOptions, type Tree } from '../reader/tree.ts';
import { OVERFLOW } from './overflow.ts';
import type { EncoderLimits } from './user.ts';

/**
 * Limits a decoder honours while it builds data (a YAML document's aliases expand as they are resolved); `maxValues`
 * when the layer's values are counted.
 */
export type DecodeBounds = EncoderLimits & { readonly maxValues?: number | undefined };

/**
 * Refuses a text that would build more values than `bounds.maxValues` before its parser builds them (a collection of
 * millions of values is one allocation of tens of MiB, which a decoding thread's heap may not have room for).
 * `count` is the format's linear count, stopping once past `most`; `counted` says what it counts. A text no longer
 * than the limit is not counted: every value of a built-in format takes at least one character of its text.
 */
export function refuseValuesPast(text: string, bounds: DecodeBounds | undefined, count: (text: string, most: number) => number, counted: string): void {
  const most = bounds?.maxValues;
  if (most === undefined || text.length <= most || count(text, most) <= most) return;
  throw new ConfigError(`the document holds more than ${most} values (maxValues), counting ${counted}`, { code: 'LIMIT' });
}

/** A built-in format: turns a document's text into plain data, within bounds (a user's format is an `Encoder`, in user.ts). */
export interface BuiltinEncoder {
  /** The format's name (`json`, `yaml`, `toml`, `dotenv`). */
  readonly format: string;
  /**
   * Decodes text; throws a ConfigError (code DECODE, with line and column where known, never quoting the text,
   * and without the parser's own error as its cause when that quotes it).
   */
  decode(text: string, bounds?: DecodeBounds): unknown;
  /**
   * Where the text writes a number beyond a double's range (which `decode` gave as ±Infinity), as an offset;
   * undefined when every infinity is written as one on purpose (YAML's `.inf`, TOML's `inf`).
   */
  overflowAt?(text: string): number | undefined;
  /**
   * Where the text opens its first container nested `maxDepth` levels deep (the one normalizing refuses), as an
   * offset: asked only once that refusal is made, so that it can name its line and column.
   */
  depthAt?(text: string, maxDepth: number): number | undefined;
  /**
   * False when no string the text decodes to can hold `${` (a search of the text is enough to know it): its
   * values are then not looked at for variables one by one. Without it, every string is.
   */
  mayHoldVariables?(text: string): boolean;
  /**
   * True when `decode` never gives one node at two paths (JSON.parse's result): normalizing its data need not
   * remember the nodes it met (see `NormalizeOptions.distinct`). YAML's aliases and merge keys share nodes.
   */
  readonly distinct?: boolean;
  /**
   * True when `decode` gives only what JSON.parse gives, fresh: plain objects, arrays, strings, numbers, booleans and
   * null. Normalizing it then looks for nothing else (see `NormalizeOptions.plain`).
   */
  readonly plain?: boolean;
}

/** Line and column (1-based) of a character offset in a text. */
export function positionAt(text: string, offset: number): ErrorPosition {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

/** A decode error; its message is a description of the problem only, never the document's text. */
export function decodeError(format: string, reason: string, position?: ErrorPosition): ConfigError {
  return new ConfigError(`invalid ${format}: ${reason}`, { code: 'DECODE', position });
}

/**
 * What kind of character a code is, for an error message: punctuation (the syntax of every format) as itself,
 * anything else by its kind only, so a message never quotes a letter of a value.
 */
export function describeCharacter(code: number): string {
  if ((code >= 33 && code <= 47) || (code >= 58 && code <= 64) || (code >= 91 && code <= 96) || (code >= 123 && code <= 126)) {
    return `character ${quoteCharacter(String.fromCharCode(code))}`;
  }
  if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) return 'letter';
  if (code >= 48 && code <= 57) return 'digit';
  if (code === 32 || code === 9 || code === 10 || code === 13) return 'white space';
  if (code < 32 || code === 127) return 'control character';
  return 'non-ASCII character';
}

/**
 * A syntax character as an error message shows it: in single quotes, since the one most often named is the double
 * quote, which in double quotes read `"""` (`expected """, unexpected character ","`).
 */
export function quoteCharacter(char: string): string {
  return `'${char}'`;
}

/** A refusal of nesting past `maxDepth`, given the line and column where the text opens the container refused. */
function tooDeepAt(error: unknown, encoder: BuiltinEncoder, text: string, maxDepth: number): ConfigError | undefined {
  if (!(error instanceof ConfigError) || error.code !== 'LIMIT' || error.line !== undefined || error.detail !== `nesting deeper than ${maxDepth} levels`) return undefined;
  const at = encoder.depthAt?.(text, maxDepth);
  return at === undefined ? undefined : new ConfigError(error.detail, { code: 'LIMIT', position: positionAt(text, at) });
}

/**
 * Decodes a document (with `parse`, by default the encoder's) and normalizes it into a tree. Parsers read a number
 * literal beyond a double's range (`1e999`) as ±Infinity without a word: when the tree holds an infinity, the
 * encoder looks for such a literal in the text, and one found is a decode error, as in Go.
 */
export function decodeTree(
  encoder: BuiltinEncoder,
  text: string,
  options: NormalizeOptions,
  parse: (text: string) => unknown = (body) =>
    encoder.decode(body, { maxBytes: options.budget?.limit ?? DEFAULT_MAX_BYTES, maxDepth: options.maxDepth, maxValues: options.budget?.maxValues }),
): Tree {
  let infinite = false;
  const decoded = parse(text);
  let tree: Tree;
  try {
    tree = normalize(decoded, { ...options, distinct: encoder.distinct, plain: encoder.plain, onInfinite: () => void (infinite = true) });
  } catch (error) {
    throw tooDeepAt(error, encoder, text, options.maxDepth) ?? error;
  }
  const at = infinite ? encoder.overflowAt?.(text) : undefined;
  if (at !== undefined) throw decodeError(encoder.format, OVERFLOW, positionAt(text, at));
  return tree;
}
