/**
 * How long a text whose last line has no line end is held back for (see `mayBeCut`): until the file has been quiet
 * this long (no event, a modification time this old), it may be a write still under way.
 */
export const QUIET_MS = 100;

/**
 * True when a document read from a file may be a write cut short yet decode: a text whose last line has no line
 * end, in a format where a cut document can still be valid. A YAML value cut mid-line (`port: 80` of `port: 8080`),
 * a TOML line, a `.env` line (a truncated password) all decode. A top-level JSON object cut anywhere does not (its
 * closing brace is missing), so JSON is never held. A document cut exactly at a line end cannot be told from a
 * finished one by its text at all.
 */
export function mayBeCut(format: string, data: unknown): boolean {
  if (format === 'json') return false;
  if (typeof data === 'string') return data !== '' && data.charCodeAt(data.length - 1) !== LINE_FEED;
  if (data instanceof Uint8Array) {
    const length = data.byteLength;
    if (length === 0) return false;
    // UTF-16 (after its byte order mark, as `documentText` reads it) ends a line in two bytes: its last byte alone
    // (0x00 in little endian) held every such file over 1 MiB, handed over as bytes, as cut.
    if (data[0] === 0xff && data[1] === 0xfe) return !(data[length - 2] === LINE_FEED && data[length - 1] === 0);
    if (data[0] === 0xfe && data[1] === 0xff) return !(data[length - 2] === 0 && data[length - 1] === LINE_FEED);
    return data[length - 1] !== LINE_FEED;
  }
  return false;
}

const LINE_FEED = 0x0a;

/** A file read blank is one being rewritten (opened with O_TRUNC, not yet written), however long the writer pauses. */
export { isBlank } from '../encoders/blank.ts';
