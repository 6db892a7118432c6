// Where a TOML document's values are, in one pass that tells values from keys by position without parsing them:
// what the scan for out-of-range numbers and the count of values before a parse both need.

const NEWLINE = 10;
const QUOTE = 34; // "
const APOSTROPHE = 39; // '
const BACKSLASH = 92;
const HASH = 35;
const OPEN_BRACKET = 91;
const OPEN_BRACE = 123;

/** What starts at a value's position: a word (number, date, boolean, `inf`), a string, an array, an inline table. */
export type TomlValueKind = 'word' | 'string' | 'array' | 'table';

/**
 * Called for each value with where it starts and, for a word, where it ends; for `[[` opening a table header, with
 * kind `table` (each such header adds a table to its array). Returning true stops the scan.
 */
export type TomlValueVisitor = (kind: TomlValueKind, start: number, end: number) => boolean | void;

/** True for the characters a TOML number, date or bare word is made of. */
function isWordChar(code: number): boolean {
  return (
    (code >= 48 && code <= 57) || // 0-9
    (code >= 65 && code <= 90) || // A-Z
    (code >= 97 && code <= 122) || // a-z
    code === 95 || // _
    code === 43 || // +
    code === 45 || // -
    code === 46 || // .
    code === 58 // :
  );
}

/**
 * Visits the values of a TOML text: a word, string, array or inline table right after `=`, or first in an array or
 * after its commas, is a value; anything else (keys, table headers) is not. Strings and comments are skipped whole.
 * Each character is looked at once, whatever the document holds. Of a valid document, every value visited is one
 * the parse builds (a date written with a space is one); of an invalid one, what is visited means nothing.
 */
export function visitTomlValues(text: string, visit: TomlValueVisitor): void {
  // Open brackets and braces of values: `[` for an array (values follow), `{` for an inline table (keys follow).
  const open: number[] = [];
  let expectValue = false;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE || code === APOSTROPHE) {
      const end = skipString(text, i);
      if (expectValue && visit('string', i, end)) return;
      expectValue = false;
      i = end;
      continue;
    }
    if (code === HASH) {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if (code === NEWLINE) {
      // A key = value pair ends at its line; an array may go on over several lines.
      if (open.length === 0) expectValue = false;
      i++;
      continue;
    }
    if (code === 61 /* = */) {
      expectValue = true;
      i++;
      continue;
    }
    if (code === OPEN_BRACKET) {
      // `[` in value position opens an array; elsewhere it opens a table header, which holds keys.
      if (expectValue || open.at(-1) === OPEN_BRACKET) {
        if (expectValue && visit('array', i, i + 1)) return;
        open.push(OPEN_BRACKET);
        expectValue = true;
      } else if (open.length === 0 && text.charCodeAt(i + 1) === OPEN_BRACKET) {
        if (visit('table', i, i + 2)) return;
        i++;
      }
      i++;
      continue;
    }
    if (code === OPEN_BRACE) {
      if (expectValue || open.at(-1) === OPEN_BRACKET) {
        if (expectValue && visit('table', i, i + 1)) return;
        open.push(OPEN_BRACE);
      }
      expectValue = false;
      i++;
      continue;
    }
    if (code === 93 /* ] */ || code === 125 /* } */) {
      if (open.length > 0) open.pop();
      expectValue = false;
      i++;
      continue;
    }
    if (code === 44 /* , */) {
      expectValue = open.at(-1) === OPEN_BRACKET;
      i++;
      continue;
    }
    if (isWordChar(code)) {
      let end = i + 1;
      while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
      if (expectValue && visit('word', i, end)) return;
      // A value is one word: the second part of a date written with a space is not another.
      expectValue = false;
      i = end;
      continue;
    }
    i++;
  }
}

/**
 * At least how many values (objects, arrays and leaves) parsing a valid TOML text builds, counted up to `most + 1`
 * (the count stops there): every value written, and a table for each `[[…]]` header. Tables made by a dotted key or
 * a `[…]` header are not counted (one may already exist), so a document is never counted above what it builds.
 */
export function countTomlValues(text: string, most: number): number {
  let count = 0;
  visitTomlValues(text, () => ++count > most);
  return count;
}

/** The index just past the string starting at `start` (basic or literal, single- or multi-line). */
function skipString(text: string, start: number): number {
  const quote = text.charCodeAt(start);
  const multiline = text.charCodeAt(start + 1) === quote && text.charCodeAt(start + 2) === quote;
  if (multiline) {
    const delimiter = quote === QUOTE ? '"""' : "'''";
    let i = start + 3;
    for (;;) {
      if (quote === QUOTE) {
        // Escapes only in basic strings: `\"""` is not the end.
        while (i < text.length && text.charCodeAt(i) !== QUOTE) i += text.charCodeAt(i) === BACKSLASH ? 2 : 1;
        if (i >= text.length) return text.length;
      } else {
        i = text.indexOf(delimiter, i);
        if (i < 0) return text.length;
      }
      if (text.startsWith(delimiter, i)) {
        // Up to two more quotes belong to the string (`""""a"""""`).
        let end = i + 3;
        while (end < i + 5 && text.charCodeAt(end) === quote) end++;
        return end;
      }
      i++;
    }
  }
  let i = start + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === quote || code === NEWLINE) return i + 1;
    i += quote === QUOTE && code === BACKSLASH ? 2 : 1;
  }
  return text.length;
}
