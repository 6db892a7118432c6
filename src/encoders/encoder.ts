import { ConfigError, type ErrorPosition } from '../errors.ts';
import { normalize, type NormalizeOptions, type Tree } from '../reader/tree.ts';
import { OVERFLOW } from './overflow.ts';

/** Turns a document's text into plain data. */
export interface Encoder {
  /** The format's name (`json`, `yaml`, `toml`, `dotenv`). */
  readonly format: string;
  /** Decodes text; throws a ConfigError (code DECODE, with line and column where known). */
  decode(text: string): unknown;
  /**
   * Where the text writes a number beyond a double's range (which `decode` gave as ±Infinity), as an offset;
   * undefined when every infinity is written as one on purpose (YAML's `.inf`, TOML's `inf`).
   */
  overflowAt?(text: string): number | undefined;
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

/** A decode error; its message is the parser's description only, never the document's text. */
export function decodeError(format: string, reason: string, position?: ErrorPosition, cause?: unknown): ConfigError {
  return new ConfigError(`invalid ${format}: ${reason}`, { code: 'DECODE', position, cause });
}

/**
 * Decodes a document (with `parse`, by default the encoder's) and normalizes it into a tree. Parsers read a number
 * literal beyond a double's range (`1e999`) as ±Infinity without a word: when the tree holds an infinity, the
 * encoder looks for such a literal in the text, and one found is a decode error, as in Go.
 */
export function decodeTree(
  encoder: Encoder,
  text: string,
  options: NormalizeOptions,
  parse: (text: string) => unknown = (body) => encoder.decode(body),
): Tree {
  let infinite = false;
  const tree = normalize(parse(text), { ...options, onInfinite: () => void (infinite = true) });
  const at = infinite ? encoder.overflowAt?.(text) : undefined;
  if (at !== undefined) throw decodeError(encoder.format, OVERFLOW, positionAt(text, at));
  return tree;
}
