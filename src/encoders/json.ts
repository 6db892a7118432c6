import { decodeError, describeCharacter, positionAt, quoteCharacter, refuseValuesPast, type BuiltinEncoder } from './encoder.ts';
import { OVERFLOW, overflows } from './overflow.ts';

/**
 * JSON, parsed by the engine; on failure a small scanner finds where, since V8's messages quote the text. A text that
 * builds more values than the layer may hold (`bounds.maxValues`) is refused before the engine builds them: the
 * engine's parse costs tens of bytes of heap a value, and a MiB of `{},` is 350,000 of them.
 */
export const jsonEncoder: BuiltinEncoder = {
  format: 'json',
  distinct: true,
  plain: true,
  decode(text, bounds) {
    refuseValuesPast(text, bounds, jsonValuesPast, 'its objects, arrays and leaves and the values of keys given again');
    try {
      return JSON.parse(text);
    } catch {
      // The engine's own error is not kept as the cause: its message quotes the text.
      const found = locateJsonError(text);
      throw decodeError('json', found.reason, positionAt(text, found.offset));
    }
  },
  // A JSON string writes `$` and `{` as they are or as \u escapes, nothing else: a text with neither `${` nor an
  // escape of that kind holds no value to expand.
  mayHoldVariables: (text) => text.includes('${') || text.includes('\\u'),
  depthAt: jsonDepthAt,
  // JSON has no infinity: a literal the engine read as one is out of range, an error as it is in Go.
  overflowAt(text) {
    const found = scanJson(text, true);
    return found?.reason === OVERFLOW ? found.offset : undefined;
  },
};

/** Where a valid JSON text opens its first object or array inside `maxDepth` others; one pass. */
export function jsonDepthAt(text: string, maxDepth: number): number | undefined {
  let open = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 34) {
      for (i++; i < text.length; i++) {
        const inside = text.charCodeAt(i);
        if (inside === 92) i++;
        else if (inside === 34) break;
      }
    } else if (code === 123 || code === 91) {
      if (open >= maxDepth) return i;
      open++;
    } else if (code === 125 || code === 93) open--;
  }
  return undefined;
}

interface Located {
  offset: number;
  reason: string;
}

/** Finds the first syntax error of a JSON text (RFC 8259); only used after JSON.parse has failed. */
export function locateJsonError(text: string): Located {
  return scanJson(text, false) ?? { offset: text.length, reason: 'invalid document' };
}

/** A reason of `scanJson`'s: more values than the count it was given. */
const TOO_MANY = 'too many values';

/**
 * More than `most` exactly when parsing the text builds more than `most` values. Most texts are let through by a
 * bound the engine's own string search counts fast: a parse builds one value for the root, one for each member and
 * one for each element. Each member is the first of its object (after `{`) or follows a comma, each element the
 * first of its array (after `[`) or follows a comma; each member also has its colon. So one more than the commas and
 * `[` together with the fewer of the colons and the `{` (those inside strings included) is at least the count: an
 * object of keys is let through by its commas, a list of objects by its colons. Only a text whose bound passes
 * `most` is scanned.
 */
function jsonValuesPast(text: string, most: number): number {
  const base = 1 + occurrences(text, ',', most) + occurrences(text, '[', most);
  if (base <= most) {
    const bound = base + Math.min(occurrences(text, ':', most - base), occurrences(text, '{', most - base));
    if (bound <= most) return bound;
  }
  return scanJson(text, false, { left: most })?.reason === TOO_MANY ? most + 1 : most;
}

/** How many times `char` is in `text`, counted up to one more than `most`. */
function occurrences(text: string, char: string, most: number): number {
  let count = 0;
  for (let at = text.indexOf(char); at !== -1 && count <= most; at = text.indexOf(char, at + 1)) count++;
  return count;
}

/**
 * How many values (objects, arrays and leaves) `JSON.parse` builds from a valid text: every value it reads, those of
 * a key given again (which the parse then drops) included, so it can be more than the tree holds. Undefined past
 * `most`, or for a text that is not valid JSON; the scan stops there.
 */
export function countJsonValues(text: string, most: number): number | undefined {
  const count = { left: most };
  return scanJson(text, false, count) === undefined ? most - count.left : undefined;
}

/**
 * The first error of a JSON text, with numbers beyond a double's range counted as errors when `range` is set, and
 * more values than `count.left` when `count` is given (`count.left` is decreased by every value).
 */
function scanJson(text: string, range: boolean, count?: { left: number }): Located | undefined {
  let i = 0;
  const fail = (reason: string): never => {
    throw { offset: i, reason } satisfies Located;
  };
  const space = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const describe = () => (i >= text.length ? 'unexpected end of input' : `unexpected ${describeCharacter(text.charCodeAt(i))}`);
  const expect = (char: string) => {
    if (text[i] !== char) fail(`expected ${quoteCharacter(char)}, ${describe()}`);
    i++;
  };
  const string = () => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      const code = text.charCodeAt(i);
      if (code < 0x20) fail('control character in string');
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('invalid unicode escape');
          i += 4;
        } else if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail('invalid escape');
      }
      i++;
    }
    expect('"');
  };
  const isDigit = (at: number) => {
    const code = text.charCodeAt(at);
    return code >= 48 && code <= 57;
  };
  const digits = () => {
    while (isDigit(i)) i++;
  };
  // -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?, scanned by hand: a literal of any length costs its length once.
  const number = () => {
    const start = i;
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (isDigit(i)) digits();
    else {
      i = start;
      fail(describe());
    }
    if (text[i] === '.' && isDigit(i + 1)) {
      i++;
      digits();
    }
    if ((text[i] === 'e' || text[i] === 'E') && (isDigit(i + 1) || ((text[i + 1] === '+' || text[i + 1] === '-') && isDigit(i + 2)))) {
      i += 2;
      digits();
    }
    if (range && overflows(text.slice(start, i))) {
      i = start;
      fail(OVERFLOW);
    }
  };
  const value = (): void => {
    if (count !== undefined && --count.left < 0) fail(TOO_MANY);
    space();
    const char = text[i];
    if (char === '{') {
      i++;
      space();
      if (text[i] === '}') return void i++;
      for (;;) {
        space();
        string();
        space();
        expect(':');
        value();
        space();
        if (text[i] === ',') i++;
        else return expect('}');
      }
    }
    if (char === '[') {
      i++;
      space();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        space();
        if (text[i] === ',') i++;
        else return expect(']');
      }
    }
    if (char === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) return void (i += word.length);
    }
    return number();
  };
  try {
    value();
    space();
    if (i < text.length) fail(describe());
    return undefined;
  } catch (error) {
    if (error instanceof RangeError) return { offset: i, reason: 'nesting too deep' };
    return error as Located;
  }
}
