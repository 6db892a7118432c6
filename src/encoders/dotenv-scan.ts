// dotenv's grammar, read in one pass. This is dotenv 18's own character scanner (`parse(text, { fast: true })`,
// which reads what its regular expression parser reads) with one step changed: a value holding U+2028 or U+2029 had
// its quotes taken off by `/^(['"`])([\s\S]*)\1$/mg`, which tries every line of the value against the rest of it
// (20,000 lines of `\u2028'x` cost 1.5 s, a MiB minutes); `unquoteLines` gives the same text in one pass.

/** The characters of a variable's name (`[\w.-]`). */
const NAME = new Uint8Array(128);
for (let code = 48; code <= 57; code++) NAME[code] = 1;
for (let code = 65; code <= 90; code++) NAME[code] = 1;
for (let code = 97; code <= 122; code++) NAME[code] = 1;
NAME[45] = NAME[46] = NAME[95] = 1;

const isName = (code: number) => code < 128 && NAME[code] === 1;

/** JavaScript's white space and line terminators (`\s`), as dotenv's scanner tells them. */
function isSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  return (
    code >= 160 &&
    (code === 160 || code === 5760 || (code >= 8192 && code <= 8202) || code === 8232 || code === 8233 || code === 8239 || code === 8287 || code === 12288 || code === 65279)
  );
}

/** What ends a line for a comment and a quoted value (not for an unquoted value, which ends at `\n` only). */
const isLineEnd = (code: number) => code === 10 || code === 8232 || code === 8233;

const isQuote = (code: number) => code === 39 || code === 34 || code === 96;

/** Skips to the end of the line from `at`. */
function lineEnd(text: string, at: number): number {
  while (at < text.length && !isLineEnd(text.charCodeAt(at))) at++;
  return at;
}

/** The variables of a .env text, as dotenv's `parse` reads them; one pass. */
export function scanDotenv(input: string): Record<string, string> {
  const vars: Record<string, string> = {};
  const text = input.includes('\r') ? input.replace(/\r\n?/g, '\n') : input;
  const end = text.length;
  let at = 0;
  while (at < end) {
    let code = text.charCodeAt(at);
    while (at < end && isSpace(code)) code = text.charCodeAt(++at);
    if (at >= end) break;
    if (code === 35) {
      at = lineEnd(text, at);
      continue;
    }
    // `export NAME=…`: where the line goes on if it turns out to set nothing.
    let exported = -1;
    if (code === 101 && at + 6 < end && text.startsWith('xport', at + 1) && isSpace(text.charCodeAt(at + 6))) {
      let next = at + 7;
      while (next < end && isSpace(text.charCodeAt(next))) next++;
      if (isName(text.charCodeAt(next))) {
        exported = at + 6;
        at = next;
      }
    }
    const nameStart = at;
    let after = 0;
    while (at < end && isName((after = text.charCodeAt(at)))) at++;
    if (at === nameStart) {
      at = lineEnd(text, at);
      continue;
    }
    const name = text.slice(nameStart, at);
    const nameEnd = at;
    if (at >= end) after = 0;
    while (isSpace(after)) after = ++at < end ? text.charCodeAt(at) : 0;
    if (after === 61) at++;
    else if (after === 58 && at === nameEnd && at + 1 < end && isSpace(text.charCodeAt(at + 1))) at += 2;
    else {
      at = lineEnd(text, exported === -1 ? nameEnd : exported);
      continue;
    }
    const valueStart = at;
    let first = at;
    while (first < end && isSpace(text.charCodeAt(first))) first++;
    const opener = text.charCodeAt(first);
    let value = '';
    let quoted = false;
    if (isQuote(opener)) {
      const quote = text[first]!;
      let close = -1;
      let resume = -1;
      for (let found = text.indexOf(quote, first + 1); found !== -1; found = text.indexOf(quote, found + 1)) {
        const escaped = text.charCodeAt(found - 1) === 92;
        let next = found + 1;
        while (next < end && !isLineEnd(text.charCodeAt(next)) && isSpace(text.charCodeAt(next))) next++;
        if (next === end || isLineEnd(text.charCodeAt(next)) || text.charCodeAt(next) === 35) {
          close = found;
          resume = next;
        }
        if (!escaped) break;
      }
      if (close !== -1) {
        value = text.slice(first + 1, close);
        at = resume;
        if (text.charCodeAt(at) === 35) at = lineEnd(text, at);
        quoted = true;
      }
    }
    if (!quoted) {
      let newline = text.indexOf('\n', valueStart);
      if (newline === -1) newline = end;
      // A `#` of this line only: a search of the whole text from each line would cost the text's length a line.
      let comment = valueStart;
      while (comment < newline && text.charCodeAt(comment) !== 35) comment++;
      let from = valueStart;
      let to = comment;
      while (from < to && isSpace(text.charCodeAt(from))) from++;
      while (to > from && isSpace(text.charCodeAt(to - 1))) to--;
      const firstCode = text.charCodeAt(from);
      value = text.slice(from, to);
      if (value.includes('\u2028') || value.includes('\u2029')) value = unquoteLines(value);
      else if (to - from >= 2 && isQuote(firstCode) && text.charCodeAt(to - 1) === firstCode) value = text.slice(from + 1, to - 1);
      at = comment;
      if (comment < newline) at = lineEnd(text, at);
    }
    if (opener === 34 && (quoted || first < at) && value.includes('\\')) value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
    // As dotenv assigns: `__proto__` set to a string is nothing (the unflattening drops hostile names anyway).
    vars[name] = value;
  }
  return vars;
}

const isTerminator = (code: number) => code === 10 || code === 13 || code === 8232 || code === 8233;

/**
 * `text.replace(/^(['"`])([\s\S]*)\1$/mg, '$2')` in one pass: at each start of a line (the text's start, or after a
 * line terminator) that is a quote, the match runs to the last of that quote standing at the end of a line, if it is
 * further on (`[\s\S]*` is greedy), and loses its two quotes; the search goes on after it.
 */
export function unquoteLines(text: string): string {
  const last: Record<number, number> = { 39: -1, 34: -1, 96: -1 };
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (isQuote(code) && (i + 1 === text.length || isTerminator(text.charCodeAt(i + 1)))) last[code] = i;
  }
  let out = '';
  let copied = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!isQuote(code) || (i > 0 && !isTerminator(text.charCodeAt(i - 1)))) continue;
    const close = last[code]!;
    if (close <= i) continue;
    out += text.slice(copied, i) + text.slice(i + 1, close);
    copied = close + 1;
    i = close;
  }
  return out + text.slice(copied);
}
