import { overflows } from './overflow.ts';

const NEWLINE = 10;
const QUOTE = 34; // "
const APOSTROPHE = 39; // '
const BACKSLASH = 92;
const HASH = 35;

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
 * Where a float literal beyond a double's range is (`1e999`, which the parser reads as infinity without a word);
 * `inf` says infinity on purpose and stays. The text has already parsed, so one pass can tell values from keys:
 * a word right after `=`, or inside an array, is a value; anything else (keys, table headers) is not. Strings and
 * comments are skipped whole. Each character is looked at once, whatever the document holds.
 */
export function findTomlOverflow(text: string): number | undefined {
  // Open brackets and braces of values: `[` for an array (values follow), `{` for an inline table (keys follow).
  const open: number[] = [];
  let expectValue = false;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE || code === APOSTROPHE) {
      i = skipString(text, i);
      if (open.at(-1) !== 91) expectValue = false;
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
    if (code === 91 /* [ */) {
      // `[` in value position opens an array; at the start of a line it opens a table header, which holds keys.
      if (expectValue || open.at(-1) === 91) {
        open.push(91);
        expectValue = true;
      }
      i++;
      continue;
    }
    if (code === 123 /* { */) {
      if (expectValue || open.at(-1) === 91) open.push(123);
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
      expectValue = open.at(-1) === 91;
      i++;
      continue;
    }
    if (isWordChar(code)) {
      let end = i + 1;
      while (end < text.length && isWordChar(text.charCodeAt(end))) end++;
      if (expectValue && overflows(text.slice(i, end))) return i;
      // A value is one word (a date with a space between its parts is two, and neither overflows).
      if (expectValue && open.at(-1) !== 91) expectValue = false;
      i = end;
      continue;
    }
    i++;
  }
  return undefined;
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
