import { ConfigError, type ErrorPosition } from '../errors.ts';
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
 * For a decoded document that held ±Infinity: throws the decode error for a number literal beyond a double's range,
 * when the encoder finds one in the text (parsers give Infinity for `1e999` without a word).
 */
export function refuseOverflow(encoder: Encoder, text: string): void {
  const at = encoder.overflowAt?.(text);
  if (at !== undefined) throw decodeError(encoder.format, OVERFLOW, positionAt(text, at));
}
