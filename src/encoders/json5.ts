import JSON5 from 'json5';
import { decodeError, refuseValuesPast, type BuiltinEncoder } from './encoder.ts';
import { overflows } from './overflow.ts';

/**
 * JSON5 (comments, trailing commas, unquoted keys, single quotes: JSON as people write it by hand), with the
 * reference parser. It reads JSON and JSONC too, which is how node-config reads every `.json` file.
 */
export const json5Encoder: BuiltinEncoder = {
  format: 'json5',
  distinct: true,
  decode(text, bounds) {
    refuseValuesPast(text, bounds, countJson5Values, 'its objects, arrays and leaves and the values of keys given again');
    try {
      return JSON5.parse(text);
    } catch (error) {
      const { lineNumber, columnNumber, message } = error as { lineNumber?: number; columnNumber?: number; message?: string };
      // The parser's message quotes the offending character, a piece of the document: only its kind is kept.
      const reason = /end of input/.test(message ?? '')
        ? 'unexpected end of input'
        : /identifier/.test(message ?? '')
          ? 'invalid identifier character'
          : 'invalid character';
      const position = lineNumber === undefined ? undefined : { line: lineNumber, column: columnNumber ?? 1 };
      throw decodeError('json5', reason, position);
    }
  },
  // `Infinity` says infinity on purpose and stays; a numeric literal the parser read as one is out of range.
  overflowAt: findOverflow,
  depthAt: json5DepthAt,
};

/**
 * Where a valid JSON5 text opens its first object or array inside `maxDepth` others, skipping strings and comments
 * (a `//` comment ends at any line terminator); one pass.
 */
export function json5DepthAt(text: string, maxDepth: number): number | undefined {
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 34 || code === 39) {
      for (i++; i < text.length && text.charCodeAt(i) !== code; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (code === 47 && text.charCodeAt(i + 1) === 47) {
      while (i < text.length && !isLineTerminator(text.charCodeAt(i))) i++;
    } else if (code === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else if (code === 123 || code === 91) {
      if (open >= maxDepth) return i;
      open++;
    } else if (code === 125 || code === 93) open--;
  }
  return undefined;
}

const isLineTerminator = (code: number) => code === 10 || code === 13 || code === 0x2028 || code === 0x2029;

const IDENTIFIER = /[\p{L}\p{N}_$\\]/u;

/**
 * At least how many values parsing a JSON5 text builds, counted up to `most + 1` (the count stops there): the larger
 * of its colons and its commas outside strings and comments. Each colon is a member's value; each comma follows a
 * member or an element (a trailing one too), so neither count passes what the parse builds, values of keys given
 * again included. One pass, no backtracking.
 */
export function countJson5Values(text: string, most: number): number {
  let colons = 0;
  let commas = 0;
  let i = 0;
  while (i < text.length && colons <= most && commas <= most) {
    const code = text.charCodeAt(i);
    if (code === 34 /* " */ || code === 39 /* ' */) {
      i++;
      while (i < text.length && text.charCodeAt(i) !== code) i += text.charCodeAt(i) === 92 /* \ */ ? 2 : 1;
      i++;
    } else if (code === 47 /* / */ && text.charCodeAt(i + 1) === 47) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
    } else if (code === 47 && text.charCodeAt(i + 1) === 42 /* * */) {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else {
      if (code === 58 /* : */) colons++;
      else if (code === 44 /* , */) commas++;
      i++;
    }
  }
  return Math.max(colons, commas);
}

/**
 * Where a number literal beyond a double's range is, skipping strings and comments; a digit that continues an
 * identifier (`key1e999`) is not a number. One pass, no backtracking.
 */
function findOverflow(text: string): number | undefined {
  let i = 0;
  while (i < text.length) {
    const char = text[i]!;
    if (char === '"' || char === "'") {
      i++;
      while (i < text.length && text[i] !== char) i += text[i] === '\\' ? 2 : 1;
      i++;
    } else if (char === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (char === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (/[0-9.]/.test(char) && !(i > 0 && IDENTIFIER.test(text[i - 1]!))) {
      const start = i;
      // Digits, hex digits, `x`, `.`, and a sign only right after an exponent's `e`.
      while (i < text.length && (/[0-9a-zA-Z.]/.test(text[i]!) || (/[+-]/.test(text[i]!) && /[eE]/.test(text[i - 1]!)))) i++;
      if (overflows(text.slice(start, i))) return start;
    } else {
      i++;
    }
  }
  return undefined;
}
