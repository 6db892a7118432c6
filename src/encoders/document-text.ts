import { ConfigError, type ErrorPosition } from '../errors.ts';

// A byte order mark is kept in the text, as a document given as a string keeps it: `documentBody` drops it, whichever
// way the document came (a decoder's own dropping would drop a second one from bytes).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf16le = new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true });
const utf16be = new TextDecoder('utf-16be', { fatal: true, ignoreBOM: true });

/**
 * A document's text: the text itself, or its bytes decoded as UTF-8, or as UTF-16 when they start with its byte order
 * mark (FF FE or FE FF, as Windows PowerShell 5 writes a redirected file); a byte order mark is kept (see
 * `documentBody`). Bytes that are not text in their encoding, and UTF-32, are a ConfigError (DECODE) at the line and
 * column of the first byte that is not, quoting nothing: decoded leniently each would be U+FFFD, and a password
 * written in Latin-1 a different password, with no word said. Linear: one pass, and one more to find the place.
 */
export function documentText(data: string | Uint8Array): string {
  if (typeof data === 'string') return data;
  const first = data[0];
  const second = data[1];
  if (first === 0xff && second === 0xfe) {
    if (data[2] === 0 && data[3] === 0) throw notRead("UTF-32's byte order mark (FF FE 00 00)");
    return decodeUtf16(utf16le, data, true);
  }
  if (first === 0xfe && second === 0xff) return decodeUtf16(utf16be, data, false);
  if (first === 0 && second === 0 && data[2] === 0xfe && data[3] === 0xff) throw notRead("UTF-32's byte order mark (00 00 FE FF)");
  try {
    return utf8.decode(data);
  } catch {
    throw new ConfigError('save the document as UTF-8: it holds a byte that is not UTF-8 text', { code: 'DECODE', position: utf8Position(data, firstInvalidUtf8(data)) });
  }
}

/** The text a parser is given: a leading byte order mark is not part of the document. */
export function documentBody(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function notRead(what: string): ConfigError {
  return new ConfigError(`only UTF-8 and UTF-16 documents are read, and this one starts with ${what}`, { code: 'DECODE', position: { line: 1, column: 1 } });
}

function decodeUtf16(decoder: InstanceType<typeof TextDecoder>, bytes: Uint8Array, little: boolean): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new ConfigError('the document is not UTF-16 text (a surrogate unpaired, or its last character cut)', {
      code: 'DECODE',
      position: utf16Position(bytes, little),
    });
  }
}

/**
 * The offset of the first byte that does not start a well-formed UTF-8 sequence (the Unicode standard's table 3-7:
 * no overlong form, no surrogate, nothing past U+10FFFF), or -1 when every byte does.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const length = bytes.length;
  let i = 0;
  while (i < length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let more: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) more = 1;
    else if (lead >= 0xe0 && lead <= 0xef) {
      more = 2;
      if (lead === 0xe0) low = 0xa0;
      else if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      more = 3;
      if (lead === 0xf0) low = 0x90;
      else if (lead === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k <= more; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += more + 1;
  }
  return -1;
}

/**
 * Line and column (characters, 1-based) of a byte offset in bytes that are UTF-8 up to it. A leading byte order mark
 * is no column: the parser is given the text without it, and its errors on line 1 count from after it.
 */
function utf8Position(bytes: Uint8Array, offset: number): ErrorPosition {
  let line = 1;
  let column = 1;
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf && offset >= 3 ? 3 : 0;
  for (let i = start; i < offset; i++) {
    const byte = bytes[i]!;
    if (byte === 0x0a) {
      line++;
      column = 1;
    } else if ((byte & 0xc0) !== 0x80) column++;
  }
  return { line, column };
}

/**
 * Line and column (characters, 1-based, as `utf8Position` counts them: a surrogate pair is one) of the first unpaired
 * surrogate of UTF-16 bytes, or of their cut end; the byte order mark they start with is no column.
 */
function utf16Position(bytes: Uint8Array, little: boolean): ErrorPosition {
  const units = bytes.length >> 1;
  const unit = (i: number) => (little ? bytes[2 * i]! | (bytes[2 * i + 1]! << 8) : (bytes[2 * i]! << 8) | bytes[2 * i + 1]!);
  let line = 1;
  let column = 1;
  for (let i = 1; i < units; i++) {
    const code = unit(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = i + 1 < units ? unit(i + 1) : -1;
      if (next < 0xdc00 || next > 0xdfff) break;
      i++;
      column++;
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) break;
    if (code === 0x0a) {
      line++;
      column = 1;
    } else column++;
  }
  return { line, column };
}
